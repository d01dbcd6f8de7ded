/*
 * zt_report_pool: the report's string pool.  Cells and keys are many and
 * small and all live as long as the report, so they are carved from
 * 64 KB blocks (ZT_POOL_BLOCK; a larger string gets a block of its own)
 * and never freed one by one: zt_pool_free(), called by zt_report_free(),
 * frees every block at once.
 */

#include <stdlib.h>
#include <string.h>

#include "zt_report_int.h"


void *
zt_pool_alloc(zt_report_priv_t *priv, size_t n)
{
    size_t          cap;
    zt_pool_blk_t  *b;

    n = (n + 7) & ~(size_t) 7;
    b = priv->pool;

    if (b == NULL || b->cap - b->used < n) {
        cap = n > ZT_POOL_BLOCK ? n : ZT_POOL_BLOCK;
        b = malloc(sizeof(zt_pool_blk_t) + cap);
        if (b == NULL) {
            return NULL;
        }
        b->next = priv->pool;
        b->used = 0;
        b->cap = cap;
        priv->pool = b;
    }

    b->used += n;
    return b->data + b->used - n;
}


char *
zt_pool_strdup(zt_report_priv_t *priv, const char *s)
{
    char    *d;
    size_t   n;

    n = strlen(s) + 1;
    d = zt_pool_alloc(priv, n);
    if (d) {
        memcpy(d, s, n);
    }

    return d;
}


void
zt_pool_free(zt_report_priv_t *priv)
{
    zt_pool_blk_t  *b, *next;

    for (b = priv->pool; b; b = next) {
        next = b->next;
        free(b);
    }
}
