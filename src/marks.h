/* marks.h: the mount points a sandbox makes in a rootfs on disk, and their removal.
 *
 * `sandbox DIR` needs /proc, /dev, /sys, /tmp and every --bind, --tmpfs, --dir destination to
 * exist in DIR. Those it has to create are "marks": after the sandbox they would stay in the
 * user's directory. Each is written to a journal before it is made (a crash never leaves an
 * unrecorded one), and removed when the sandbox is over: deepest first, only when it is still
 * of the type we made and empty, never through a symlink. COMMAND's own writes stay.
 *
 * Files in the state directory's "marks" subdirectory (registry.h: private, ours):
 *   KEY.lock         KEY = the rootfs's device and inode. Every sandbox running on that rootfs
 *                    holds a shared flock(2) on it; removing marks takes it exclusively, so
 *                    no mount point another sandbox still uses is taken away from it.
 *   KEY.ID.journal   one per sandbox, flock'ed exclusively by its supervisor for its whole
 *                    life: a journal whose lock can be taken belongs to a dead sandbox
 *                    (SIGKILL), and the next start of that user cleans up after it.
 * A journal is "R" ROOTFS NUL, then one record per mark: 'd' (directory), 'f' (empty file) or
 * 'l' (symlink), the path relative to the rootfs, NUL; in the order they were made. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The largest journal read back: a few thousand marks. */
#define MARKS_JOURNAL_MAX (1u << 20)

struct marks {
	int dirfd;   /* the state directory's "marks" */
	int lockfd;  /* KEY.lock, shared */
	int journal; /* KEY.ID.journal, exclusive; appended to by the child */
	char key[64];
	char name[128];
};
#define MARKS_INIT { .dirfd = -1, .lockfd = -1, .journal = -1 }

/* Supervisor, before cloning: clean up after dead sandboxes, take the rootfs's lock shared and
 * create this sandbox's journal (m->journal, for the child). 0, or -errno with a reason in err
 * (then m holds nothing and the sandbox runs without a journal). */
int marks_begin(struct marks *m, const char *rootfs, char *err, size_t errlen);
/* Supervisor, once the sandbox is gone: remove the marks when no other sandbox runs on the
 * rootfs (else the last one does), and release everything. */
void marks_end(struct marks *m);
/* The sandbox's child: close the state directory and the lock (the supervisor keeps its own),
 * not the journal. */
void marks_close_dirs(struct marks *m);
/* Any start: remove the marks of dead sandboxes, of every rootfs. dirfd: the state directory. */
void marks_sweep(int state_dirfd);

/* Child, before it creates name in the directory pfd below the root at rootfd: append kind
 * ('d', 'f', 'l') and its path to the journal. The journal's length before, to pass to
 * marks_undo when the creation fails, or -1 when nothing was recorded: no journal, or pfd is
 * not on the rootfs's own mount (a tmpfs of ours: nothing stays; a host submount inside the
 * rootfs directory: the mark does stay there, unrecorded, as before the journal). */
off_t marks_record(int journal, int rootfd, int pfd, const char *name, char kind);
void marks_undo(int journal, off_t at);

/* Pure. A journal's text: its rootfs (*rootfs, pointing into buf) and its records, in order,
 * as pointers into buf ("KIND" then the relative path). 0, or -EINVAL with a reason in err
 * (a bad header, a record that is not a clean relative path). *recs is malloc'd. */
int marks_parse(const char *buf, size_t len, const char **rootfs, const char ***recs, size_t *nrecs,
		char *err, size_t errlen);
/* Pure: a relative path with no "", "." or ".." component and no leading or trailing '/'. */
bool marks_path_clean(const char *rel);
