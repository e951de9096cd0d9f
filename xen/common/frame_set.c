#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hv/domain.h"

/* Index of the first range that ends after mfn. */
static size_t find(const struct frame_set *s, uint64_t mfn)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->v[mid].mfn + s->v[mid].count <= mfn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool frame_set_contains(const struct frame_set *s, uint64_t mfn)
{
	size_t i = find(s, mfn);
	return i < s->n && s->v[i].mfn <= mfn;
}

static int reserve(struct frame_set *s, size_t extra)
{
	if (s->n + extra <= s->cap)
		return 0;
	size_t cap = s->cap ? s->cap * 2 : 16;
	while (cap < s->n + extra)
		cap *= 2;
	struct frame_range *v = realloc(s->v, cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	s->v = v;
	s->cap = cap;
	return 0;
}

int frame_set_add(struct frame_set *s, uint64_t mfn, uint64_t count)
{
	if (!count)
		return 0;
	size_t i = find(s, mfn);
	if (i < s->n && s->v[i].mfn < mfn + count)
		return -EEXIST;
	bool joins_prev = i > 0 && s->v[i - 1].mfn + s->v[i - 1].count == mfn;
	bool joins_next = i < s->n && s->v[i].mfn == mfn + count;
	if (joins_prev && joins_next) {
		s->v[i - 1].count += count + s->v[i].count;
		memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof(*s->v));
		s->n--;
	} else if (joins_prev) {
		s->v[i - 1].count += count;
	} else if (joins_next) {
		s->v[i].mfn = mfn;
		s->v[i].count += count;
	} else {
		if (reserve(s, 1))
			return -ENOMEM;
		memmove(&s->v[i + 1], &s->v[i], (s->n - i) * sizeof(*s->v));
		s->v[i] = (struct frame_range){ mfn, count };
		s->n++;
	}
	s->frames += count;
	return 0;
}

int frame_set_remove(struct frame_set *s, uint64_t mfn, uint64_t count)
{
	if (!count)
		return 0;
	size_t i = find(s, mfn);
	if (i >= s->n || s->v[i].mfn > mfn || s->v[i].mfn + s->v[i].count < mfn + count)
		return -ENOENT;
	struct frame_range r = s->v[i];
	uint64_t before = mfn - r.mfn, after = r.mfn + r.count - (mfn + count);
	if (before && after) {
		if (reserve(s, 1))
			return -ENOMEM;
		memmove(&s->v[i + 1], &s->v[i], (s->n - i) * sizeof(*s->v));
		s->v[i] = (struct frame_range){ r.mfn, before };
		s->v[i + 1] = (struct frame_range){ mfn + count, after };
		s->n++;
	} else if (before) {
		s->v[i].count = before;
	} else if (after) {
		s->v[i] = (struct frame_range){ mfn + count, after };
	} else {
		memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof(*s->v));
		s->n--;
	}
	s->frames -= count;
	return 0;
}

void frame_set_clear(struct frame_set *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}
