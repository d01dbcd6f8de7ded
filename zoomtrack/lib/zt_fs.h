/*
 * File-system helpers shared by the sinks and subcommands, and the modes
 * zoomtrack creates files and directories with.  Participant names,
 * emails and presence are personal data: by default every file and
 * directory any subcommand creates is owner-only (umask 077);
 * [drain] file_mode and dir_mode widen that, e.g. to a group nginx serves
 * _data/ with.
 */

#ifndef ZT_FS_H
#define ZT_FS_H


#include <stddef.h>
#include <sys/types.h>

#include "zt_conf.h"


#define ZT_FS_PATH     0       /* create the path itself too */
#define ZT_FS_PARENT   1       /* only the directories leading to it */


/*
 * mkdir -p: creates every missing directory of path (with the directory
 * mode).  Returns ZT_OK, or ZT_ERROR with errno set and, when failed is
 * not NULL, the directory that could not be made copied into it, for the
 * caller's log.
 */
int zt_fs_mkdirs(const char *path, int what, char *failed, size_t len);

/*
 * Reads [drain] file_mode and dir_mode (octal, e.g. 0640 and 0750; the
 * owner must have access, others may not write) and sets the process
 * umask so that nothing created afterwards gets more than they allow.
 * Call before any thread starts.  ZT_OK, or ZT_ERROR with a message in
 * err.
 */
int zt_fs_modes_init(const zt_conf_t *conf, char *err, size_t errlen);

/*
 * Owner-only until a configuration says otherwise: umask 077, files 0600
 * and directories 0700 until zt_fs_modes_init() reads the configured
 * modes.
 * main() calls it before any subcommand runs, so a subcommand that
 * creates a file (the warehouse, an output) never does so with the
 * caller's umask.
 */
void zt_fs_modes_owner_only(void);

/* the configured file mode (0600 until zt_fs_modes_init) */
int zt_fs_file_mode(void);


/*
 * An existing path that is neither a regular file nor a directory
 * (/dev/null, a FIFO, a terminal): outputs are written into it as it is,
 * never replaced by a renamed temp file, which would put a regular file
 * in place of the device.
 */
int zt_fs_special(const char *path);

/*
 * Replaces path with data durably and atomically (temp file, fsync,
 * rename, fsync of the directory), created with mode.  Returns ZT_OK, or
 * ZT_ERROR with errno set.
 */
int zt_fs_replace(const char *path, const char *data, size_t len,
    mode_t mode);


#endif /* ZT_FS_H */
