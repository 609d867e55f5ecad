/* unpackmain.c: sandbox-unpack, which sandbox-image runs in a user namespace mapped like the
 * sandbox's own (so the layer's owners land on the user's subordinate ids, as rootless podman
 * stores them), with the layer on stdin and the new layer directory as its working directory:
 *     sandbox-unpack DIGEST SIZE LABEL [--progress]
 * It chroots into that directory before reading a byte, so a hostile layer cannot reach
 * anything else whatever libarchive does. Not meant to be run by hand. It is a program of its
 * own so that libarchive (and the dozen libraries it loads) is mapped only while unpacking. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "idmap.h"
#include "unpack.h"
#include "util.h"

/* How many ids from 0 up are mapped in /proc/self/FILE (uid_map or gid_map). */
static unsigned long long mapped_from_zero(const char *file)
{
	char path[64], line[128];
	unsigned long long count = 0;
	bool grew = true;
	struct idmap_range r[16];
	size_t n = 0;
	_cleanup_fclose_ FILE *f = NULL;

	snprintf(path, sizeof(path), "/proc/self/%s", file);
	f = fopen(path, "re");
	if (!f)
		return 1;
	while (n < ARRAY_SIZE(r) && fgets(line, sizeof(line), f))
		if (idmap_parse_line(line, &r[n]) == 0)
			n++;
	while (grew) {
		grew = false;
		for (size_t i = 0; i < n; i++)
			if (r[i].inside == count) {
				count += r[i].count;
				grew = true;
			}
	}
	return count ? count : 1;
}

/* Chrooted into the layer, the process has no /proc, and exit handlers that need it fail
 * (LeakSanitizer's exit-time check reads /proc/self/task): leave without them. Nothing but
 * stdio is buffered. */
static int leave(int status)
{
	fflush(NULL);
	_exit(status);
}

int main(int argc, char **argv)
{
	struct unpack_opts o = { 0 };
	unsigned long long uids, gids;
	char err[512];

	if (argc < 4 || (argc == 5 && strcmp(argv[4], "--progress") != 0) || argc > 5) {
		fprintf(stderr, "sandbox-unpack: not meant to be run by hand\n");
		return 2;
	}
	o.digest = argv[1][0] ? argv[1] : NULL;
	if (parse_uint(argv[2], ~0ULL, &o.size) < 0)
		o.size = 0;
	o.label = argv[3];
	o.progress = argc == 5;
	uids = mapped_from_zero("uid_map");
	gids = mapped_from_zero("gid_map");
	o.id_count = uids < gids ? uids : gids;
	if (chroot(".") < 0 || chdir("/") < 0) {
		fprintf(stderr, "sandbox: image: %s: confine the unpacking (chroot): %s\n", o.label, strerror(errno));
		return leave(1);
	}
	umask(022);
	if (unpack_layer(0, &o, err, sizeof(err)) < 0) {
		if (o.progress)
			fputc('\n', stderr);
		fprintf(stderr, "sandbox: image: %s: %s\n", o.label, err);
		return leave(1);
	}
	return leave(0);
}
