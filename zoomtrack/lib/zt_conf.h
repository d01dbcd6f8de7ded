/*
 * zoomtrack configuration: an INI file (inih) checked against one table of
 * known keys with their defaults, overridden by the environment as
 * ZOOMTRACK_<SECTION>_<KEY> (global keys, before any section: ZOOMTRACK_<KEY>).
 */

#ifndef ZT_CONF_H
#define ZT_CONF_H


#include <stdint.h>


typedef struct zt_conf_s  zt_conf_t;


/*
 * Loads path (NULL: defaults and environment only).  Unknown sections or
 * keys, a key given twice in a section (inih's continuation lines
 * included), syntax errors, lines too long and unreadable files are
 * errors: returns NULL and writes a message naming the first by line to
 * err.
 */
zt_conf_t *zt_conf_load(const char *path, char *err, size_t errlen);
void zt_conf_free(zt_conf_t *conf);

/* section "" is the global section; never returns NULL for a known key */
const char *zt_conf_get(const zt_conf_t *conf, const char *section,
    const char *key);

/* integers and booleans (yes/no/true/false/on/off/1/0); ZT_ERROR on junk */
int zt_conf_get_int(const zt_conf_t *conf, const char *section,
    const char *key, int64_t *out);
int zt_conf_get_bool(const zt_conf_t *conf, const char *section,
    const char *key, int *out);

/*
 * A numeric key within the range its row of the key table gives (one
 * place for each key's limits: every command and `zoomtrack check` apply
 * the same); ZT_ERROR with err naming the key and value ("section.key
 * \"v\" must be lo..hi"), as every such message does.
 */
int zt_conf_get_num(const zt_conf_t *conf, const char *section,
    const char *key, int64_t *out, char *err, size_t errlen);

/*
 * Whether every numeric key holds a number in its range (an empty value
 * where the default is empty: unset) and every yes/no key (by its
 * default) a yes or no; ZT_ERROR names the first that does not.
 */
int zt_conf_check_types(const zt_conf_t *conf, char *err, size_t errlen);

/*
 * A path key: an empty value falls back to data_dir + "/" + def_rel.
 * Writes into out; returns ZT_OK or ZT_ERROR when it does not fit.
 */
int zt_conf_get_path(const zt_conf_t *conf, const char *section,
    const char *key, const char *def_rel, char *out, size_t outlen);

/*
 * A secret: the environment variable for section/key if set, else the first
 * line of the file named by the key "<key>_file".  malloc()ed; NULL if
 * neither is set or the file is unreadable (a message goes to err).
 */
char *zt_conf_get_secret(const zt_conf_t *conf, const char *section,
    const char *key, char *err, size_t errlen);

/* prints every known key with its default and description (for --help) */
void zt_conf_print_keys(void);


#endif /* ZT_CONF_H */
