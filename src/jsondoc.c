/* jsondoc.c: a JSON document, all of it or nothing. */
#include "config.h"

#include "jsondoc.h"

#include <errno.h>
#include <string.h>

#include "util.h"

json_object *jsondoc_parse(const char *text, size_t len, size_t max, const char *what, char *err, size_t errlen)
{
	json_tokener *tok;
	json_object *o;

	if (len > max || memchr(text, '\0', len)) {
		err_set(err, errlen, -EINVAL, "%s: not a JSON document", what);
		return NULL;
	}
	tok = json_tokener_new();
	if (!tok) {
		err_set(err, errlen, ENOMEM, "%s", what);
		return NULL;
	}
	o = json_tokener_parse_ex(tok, text, (int)len);
	if (!o || json_tokener_get_error(tok) != json_tokener_success ||
	    strspn(text + json_tokener_get_parse_end(tok), " \t\r\n") != len - json_tokener_get_parse_end(tok) ||
	    !json_object_is_type(o, json_type_object)) {
		if (o)
			json_object_put(o);
		o = NULL;
		err_set(err, errlen, -EINVAL, "%s: not a JSON object", what);
	}
	json_tokener_free(tok);
	return o;
}
