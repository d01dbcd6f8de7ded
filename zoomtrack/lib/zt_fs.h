/*
 * File-system helpers shared by the sinks and subcommands.
 */

#ifndef ZT_FS_H
#define ZT_FS_H


#include <stddef.h>
#include <sys/types.h>


#define ZT_FS_PATH     0       /* create the path itself too */
#define ZT_FS_PARENT   1       /* only the directories leading to it */


/*
 * mkdir -p: creates every missing directory of path (mode 0755).  Returns
 * ZT_OK, or ZT_ERROR with errno set and, when failed is not NULL, the
 * directory that could not be made copied into it, for the caller's log.
 */
int zt_fs_mkdirs(const char *path, int what, char *failed, size_t len);


/*
 * Replaces path with data durably and atomically (temp file, fsync,
 * rename, fsync of the directory), created with mode.  Returns ZT_OK, or
 * ZT_ERROR with errno set.
 */
int zt_fs_replace(const char *path, const char *data, size_t len,
    mode_t mode);


#endif /* ZT_FS_H */
