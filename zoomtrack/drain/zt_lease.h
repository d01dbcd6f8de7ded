/*
 * zt_lease: ownership of processing lists and of the status sink, for
 * drainers that share a Redis.  A lease is a key holding a token
 * ("host:pid:pidns:random") set with SET NX PX and renewed by its holder
 * every third of its lifetime:
 *
 *   <queue>:lease:<consumer>   who drains <queue>:processing:<consumer>
 *   <queue>:lease              who runs the sink of <queue> alone (status)
 *
 * A processing list whose consumer lease is missing belongs to a drainer
 * that died (or was renamed): any live drainer moves its records back to
 * the queue (zt_lease_reclaim), oldest first again.  All of it is done
 * with Lua scripts, so each check-and-change is atomic in Redis.
 */

#ifndef ZT_LEASE_H
#define ZT_LEASE_H


#include <hiredis/hiredis.h>

#include "zt_core.h"


#define ZT_LEASE_TOKEN_LEN  192


/* this process's token, unique per run */
void zt_lease_token(char *buf, size_t len);

/*
 * SET key token NX PX ttl.  ZT_OK: held now; ZT_DECLINED: a live process
 * of this host holds it; ZT_RETRY: a drainer elsewhere holds it (alive or
 * not: wait for the lease to expire or be renewed); the holder's token is
 * copied to holder; ZT_ERROR: Redis failed (message logged).  A lease
 * whose holder is a dead process of this host and pid namespace is taken
 * over at once instead of waiting for it to expire.
 */
int zt_lease_acquire(redisContext *c, const char *key, const char *token,
    int64_t ttl_ms, char *holder, size_t hlen);

/* the holder of a lease whose processing list another drainer reclaimed */
#define ZT_LEASE_RECLAIMED  "reclaimed"

/*
 * Extends our lease.  ZT_OK: renewed (or set again if it had vanished,
 * e.g. a Redis restart without persistence: nobody reclaimed our list, or
 * its lease would say ZT_LEASE_RECLAIMED); ZT_DECLINED: another drainer
 * holds it now or reclaimed our list (its token or ZT_LEASE_RECLAIMED in
 * holder); ZT_ERROR: Redis failed.
 */
int zt_lease_renew(redisContext *c, const char *key, const char *token,
    int64_t ttl_ms, char *holder, size_t hlen);

/* deletes the lease if it is still ours */
void zt_lease_release(redisContext *c, const char *key, const char *token);

/*
 * Moves the records of every <queue>:processing:* list whose consumer
 * lease is missing (other than own_proc) back to the right end of queue,
 * leaving ZT_LEASE_RECLAIMED in the lease of each list it took from.
 * Returns the number of records moved (each list is logged), or -1 when
 * Redis failed.
 */
long long zt_lease_reclaim(redisContext *c, const char *queue,
    const char *own_proc);

/* "host:pid" of a token, for messages */
void zt_lease_who(const char *token, char *buf, size_t len);


#endif /* ZT_LEASE_H */
