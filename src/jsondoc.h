/* jsondoc.h: one JSON document (json-c) read strictly, for the image and OCI parsers. */
#pragma once

#include <json-c/json.h>
#include <stddef.h>

static inline void jsondoc_put(json_object **o)
{
	if (*o)
		json_object_put(*o);
}
#define _cleanup_json_ __attribute__((cleanup(jsondoc_put)))

/* text (len bytes, at most max) as a JSON object; NULL with "WHAT: not a JSON object" in err.
 * Embedded NULs and trailing garbage are refused (json-c would stop at the first complete
 * value). The caller owns the object (json_object_put). */
json_object *jsondoc_parse(const char *text, size_t len, size_t max, const char *what, char *err, size_t errlen);
