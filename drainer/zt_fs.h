/*
 * File-system helpers shared by the sinks and subcommands.
 */

#ifndef ZT_FS_H
#define ZT_FS_H


#define ZT_FS_PATH     0       /* create the path itself too */
#define ZT_FS_PARENT   1       /* only the directories leading to it */


/*
 * mkdir -p: creates every missing directory of path (mode 0755).  Returns
 * ZT_OK, or ZT_ERROR with errno set; the caller logs, naming the path.
 */
int zt_fs_mkdirs(const char *path, int what);


#endif /* ZT_FS_H */
