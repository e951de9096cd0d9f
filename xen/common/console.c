#include "hv/console.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LOG_RING_SIZE (256u << 10)

static struct text_ring log_ring;
static bool log_to_stderr;
static struct timespec log_start;

int text_ring_init(struct text_ring *r, size_t size)
{
	memset(r, 0, sizeof(*r));
	r->buf = malloc(size);
	if (!r->buf)
		return -ENOMEM;
	r->size = size;
	pthread_mutex_init(&r->lock, NULL);
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&r->grew, &attr);
	pthread_condattr_destroy(&attr);
	return 0;
}

void text_ring_destroy(struct text_ring *r)
{
	if (!r->buf)
		return;
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->grew);
	free(r->buf);
	r->buf = NULL;
}

void text_ring_write(struct text_ring *r, const char *data, size_t len)
{
	pthread_mutex_lock(&r->lock);
	if (len > r->size) {
		data += len - r->size;
		r->head += len - r->size;
		len = r->size;
	}
	for (size_t i = 0; i < len; i++)
		r->buf[(r->head + i) & (r->size - 1)] = data[i];
	r->head += len;
	pthread_cond_broadcast(&r->grew);
	pthread_mutex_unlock(&r->lock);
}

void text_ring_close(struct text_ring *r)
{
	pthread_mutex_lock(&r->lock);
	r->closed = true;
	pthread_cond_broadcast(&r->grew);
	pthread_mutex_unlock(&r->lock);
}

static void deadline_after(struct timespec *ts, int ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

size_t text_ring_read(struct text_ring *r, uint64_t *pos, char *out, size_t len, int timeout_ms)
{
	struct timespec deadline;
	if (timeout_ms > 0)
		deadline_after(&deadline, timeout_ms);
	pthread_mutex_lock(&r->lock);
	while (*pos >= r->head && !r->closed && timeout_ms != 0) {
		if (timeout_ms < 0)
			pthread_cond_wait(&r->grew, &r->lock);
		else if (pthread_cond_timedwait(&r->grew, &r->lock, &deadline) == ETIMEDOUT)
			break;
	}
	uint64_t oldest = r->head > r->size ? r->head - r->size : 0;
	if (oldest < r->tail)
		oldest = r->tail;
	if (*pos < oldest)
		*pos = oldest;
	if (*pos > r->head)
		*pos = r->head;
	size_t n = 0;
	while (n < len && *pos + n < r->head) {
		out[n] = r->buf[(*pos + n) & (r->size - 1)];
		n++;
	}
	*pos += n;
	pthread_mutex_unlock(&r->lock);
	return n;
}

void text_ring_clear(struct text_ring *r)
{
	pthread_mutex_lock(&r->lock);
	/* Positions stay monotonic, so followers never re-read. */
	r->tail = r->head;
	pthread_mutex_unlock(&r->lock);
}

uint64_t text_ring_head(struct text_ring *r)
{
	pthread_mutex_lock(&r->lock);
	uint64_t h = r->head;
	pthread_mutex_unlock(&r->lock);
	return h;
}

void console_init(bool to_stderr)
{
	log_to_stderr = to_stderr;
	clock_gettime(CLOCK_MONOTONIC, &log_start);
	if (text_ring_init(&log_ring, LOG_RING_SIZE) < 0) {
		fprintf(stderr, "xg-hypervisor: out of memory for the log\n");
		exit(1);
	}
}

void console_fini(void)
{
	text_ring_destroy(&log_ring);
}

struct text_ring *console_log(void)
{
	return &log_ring;
}

void printk(const char *fmt, ...)
{
	char line[1024];
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	double t = (double)(now.tv_sec - log_start.tv_sec) + (double)(now.tv_nsec - log_start.tv_nsec) / 1e9;
	int n = snprintf(line, sizeof(line), "(XG) [%10.6f] ", t);
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
	if (len >= sizeof(line))
		len = sizeof(line) - 1;
	if (len && line[len - 1] != '\n' && len < sizeof(line) - 1)
		line[len++] = '\n';
	if (log_ring.buf)
		text_ring_write(&log_ring, line, len);
	if (log_to_stderr)
		fwrite(line, 1, len, stderr);
}

void printk_guest_output(unsigned int domid, const char *buf, size_t len)
{
	while (len) {
		const char *nl = memchr(buf, '\n', len);
		size_t n = nl ? (size_t)(nl - buf) + 1 : len;
		size_t shown = n;
		if (shown && buf[shown - 1] == '\n')
			shown--;
		if (shown && buf[shown - 1] == '\r')
			shown--;
		printk("(d%u) %.*s\n", domid, (int)shown, buf);
		buf += n;
		len -= n;
	}
}
