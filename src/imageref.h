/* imageref.h: the IMAGE argument: which transport, where, which tag (pure). */
#pragma once

#include <stddef.h>

enum image_kind { IMAGE_NONE, IMAGE_OCI, IMAGE_OCI_ARCHIVE, IMAGE_DOCKER_ARCHIVE, IMAGE_DOCKER };

struct image_ref {
	enum image_kind kind;
	char location[4096]; /* DIR, FILE, or the REF of docker:// */
	char tag[512];       /* "" when none */
};

/* IMAGE_NONE for a plain ROOTFS path: only the prefixes oci:, oci-archive:, docker-archive:
 * and docker:// make an IMAGE (a directory whose name starts so is ./oci:...). */
enum image_kind image_ref_kind(const char *arg);
/* oci:DIR[:TAG], oci-archive:FILE[:TAG], docker-archive:FILE[:NAME[:TAG]], docker://REF, split
 * at the first ':' after the prefix as skopeo does. 0 or -EINVAL with a reason (an empty
 * location, control characters, too long). */
int image_ref_parse(const char *arg, struct image_ref *out, char *err, size_t errlen);
