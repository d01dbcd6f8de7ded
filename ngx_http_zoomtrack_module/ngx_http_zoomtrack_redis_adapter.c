/*
 * The hiredis 0.14 async adapter of the zoomtrack module, on nginx's event
 * loop: hiredis's socket wrapped in an nginx connection taken with
 * ngx_get_connection(), with level-triggered events: hiredis reads at most
 * 16 KB per call, so edge-triggered events could strand replies.  Writes
 * are batched per loop iteration (see add_write).
 *
 * Who frees what: the cleanup hook deletes the events and frees the nginx
 * connection but never closes the fd, which hiredis closes itself right
 * after.
 */


#include "ngx_http_zoomtrack_redis_int.h"


static void ngx_http_zoomtrack_redis_read_handler(ngx_event_t *ev);
static void ngx_http_zoomtrack_redis_write_handler(ngx_event_t *ev);
static void ngx_http_zoomtrack_redis_add_read(void *privdata);
static void ngx_http_zoomtrack_redis_del_read(void *privdata);
static void ngx_http_zoomtrack_redis_add_write(void *privdata);
static void ngx_http_zoomtrack_redis_del_write(void *privdata);
static void ngx_http_zoomtrack_redis_cleanup(void *privdata);


ngx_int_t
ngx_http_zoomtrack_redis_attach(ngx_http_zoomtrack_redis_t *rd,
    redisAsyncContext *ac)
{
    ngx_connection_t  *c;

    c = ngx_get_connection(ac->c.fd, rd->log);
    if (c == NULL) {
        return NGX_ERROR;
    }

    c->data = rd;
    c->read->handler = ngx_http_zoomtrack_redis_read_handler;
    c->write->handler = ngx_http_zoomtrack_redis_write_handler;
    c->read->log = rd->log;
    c->write->log = rd->log;

    rd->c = c;

    ac->ev.data = rd;
    ac->ev.addRead = ngx_http_zoomtrack_redis_add_read;
    ac->ev.delRead = ngx_http_zoomtrack_redis_del_read;
    ac->ev.addWrite = ngx_http_zoomtrack_redis_add_write;
    ac->ev.delWrite = ngx_http_zoomtrack_redis_del_write;
    ac->ev.cleanup = ngx_http_zoomtrack_redis_cleanup;

    return NGX_OK;
}


static void
ngx_http_zoomtrack_redis_read_handler(ngx_event_t *ev)
{
    ngx_connection_t            *c = ev->data;
    ngx_http_zoomtrack_redis_t  *rd = c->data;

    if (rd->ac) {
        redisAsyncHandleRead(rd->ac);
    }
}


static void
ngx_http_zoomtrack_redis_write_handler(ngx_event_t *ev)
{
    ngx_connection_t            *c = ev->data;
    ngx_http_zoomtrack_redis_t  *rd = c->data;

    if (rd->ac) {
        redisAsyncHandleWrite(rd->ac);
    }
}


/*
 * The hooks below get the ngx_http_zoomtrack_redis_t; hiredis may call them
 * while rd->ac is already NULL (the context is being freed), so they look
 * at rd->c only.
 */

static void
ngx_http_zoomtrack_redis_add_read(void *privdata)
{
    ngx_http_zoomtrack_redis_t  *rd = privdata;

    if (rd->c && !rd->c->read->active) {
        if (ngx_add_event(rd->c->read, NGX_READ_EVENT, NGX_LEVEL_EVENT)
            != NGX_OK)
        {
            ngx_log_error(NGX_LOG_ALERT, rd->log, 0,
                          "zoomtrack: redis: adding read event failed");
        }
    }
}


static void
ngx_http_zoomtrack_redis_del_read(void *privdata)
{
    ngx_http_zoomtrack_redis_t  *rd = privdata;

    if (rd->c && rd->c->read->active) {
        (void) ngx_del_event(rd->c->read, NGX_READ_EVENT, 0);
    }
}


/*
 * Commands are only appended to hiredis's output buffer (a group of
 * pushes, by rd->submit, itself posted); the buffer is written once, from
 * a posted event at the end of this loop iteration, so that every command
 * the iteration's requests queued leaves in one write()
 * (and without two epoll_ctl() calls and an extra wakeup per round).  Only
 * the connect and a socket buffer full up wait for the write event.
 */

static void
ngx_http_zoomtrack_redis_add_write(void *privdata)
{
    ngx_http_zoomtrack_redis_t  *rd = privdata;

    if (rd->c == NULL) {
        return;
    }

    if (!rd->flushing && rd->ac && (rd->ac->c.flags & REDIS_CONNECTED)) {
        if (!rd->flush.posted) {
            ngx_post_event(&rd->flush, &ngx_posted_events);
        }

        return;
    }

    if (!rd->c->write->active) {
        if (ngx_add_event(rd->c->write, NGX_WRITE_EVENT, NGX_LEVEL_EVENT)
            != NGX_OK)
        {
            ngx_log_error(NGX_LOG_ALERT, rd->log, 0,
                          "zoomtrack: redis: adding write event failed");
        }
    }
}


void
ngx_http_zoomtrack_redis_flush_handler(ngx_event_t *ev)
{
    ngx_http_zoomtrack_redis_t  *rd = ev->data;

    if (rd->ac == NULL || rd->c == NULL) {
        return;
    }

    /* a write that cannot finish now re-adds the real write event */
    rd->flushing = 1;
    redisAsyncHandleWrite(rd->ac);
    rd->flushing = 0;
}


static void
ngx_http_zoomtrack_redis_del_write(void *privdata)
{
    ngx_http_zoomtrack_redis_t  *rd = privdata;

    if (rd->c && rd->c->write->active) {
        (void) ngx_del_event(rd->c->write, NGX_WRITE_EVENT, 0);
    }
}


/* hiredis is freeing the context and will close the fd itself */

static void
ngx_http_zoomtrack_redis_cleanup(void *privdata)
{
    ngx_http_zoomtrack_redis_t  *rd = privdata;

    ngx_connection_t  *c;

    c = rd->c;
    if (c == NULL) {
        return;
    }

    ngx_http_zoomtrack_redis_del_read(rd);
    ngx_http_zoomtrack_redis_del_write(rd);

    if (c->read->posted) {
        ngx_delete_posted_event(c->read);
    }

    if (c->write->posted) {
        ngx_delete_posted_event(c->write);
    }

    if (rd->flush.posted) {
        ngx_delete_posted_event(&rd->flush);
    }

    ngx_free_connection(c);

    c->fd = (ngx_socket_t) -1;
    rd->c = NULL;
}
