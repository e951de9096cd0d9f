/*
 * The hypervisor's log and the byte histories behind domain consoles.
 *
 * printk() writes a line to the log: to stderr (when the hypervisor runs
 * in the foreground) and to a ring that `xg dmesg` reads.  A text_ring is
 * a bounded history addressed by absolute byte position, so a reader can
 * follow it and notice when it fell behind.  Both are thread-safe.
 */
#ifndef HV_CONSOLE_H
#define HV_CONSOLE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct text_ring {
	pthread_mutex_t lock;
	pthread_cond_t grew;
	char *buf;
	size_t size;     /* capacity, a power of two */
	uint64_t head;   /* absolute position of the next byte written */
	uint64_t tail;   /* oldest position still readable (before wrap) */
	bool closed;     /* no more output will come */
};

int text_ring_init(struct text_ring *r, size_t size);
void text_ring_destroy(struct text_ring *r);
void text_ring_write(struct text_ring *r, const char *data, size_t len);
void text_ring_close(struct text_ring *r);
/*
 * Copy bytes from *pos on (moved up to the oldest byte kept if it fell
 * behind), waiting up to timeout_ms (-1: forever) while there are none and
 * the ring is open.  Returns the count copied and advances *pos.
 */
size_t text_ring_read(struct text_ring *r, uint64_t *pos, char *out, size_t len, int timeout_ms);
/* Empty the ring (dmesg -c). */
void text_ring_clear(struct text_ring *r);
uint64_t text_ring_head(struct text_ring *r);

void console_init(bool to_stderr);
void console_fini(void);
void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
struct text_ring *console_log(void);
/* A guest's console output into the log, one "(dN) " line per line. */
void printk_guest_output(unsigned int domid, const char *buf, size_t len);

#endif
