/*
 * Freestanding C functions run both natively and as guest code under the
 * emu backend (see emu_guest_c.c).  Included once per optimisation level
 * with GFN(name) giving each copy its own name.  They use no library
 * function and no SSE register, so the same machine code runs in the
 * guest, whose address space mirrors the test program's image.
 */

GUEST_FN static int GFN(cmp_desc)(int64_t a, int64_t b)
{
	return a < b ? 1 : a > b ? -1 : 0;
}

GUEST_FN static int GFN(cmp_asc)(int64_t a, int64_t b)
{
	return (a > b) - (a < b);
}

/* Quicksort with an insertion sort for small ranges; indirect calls. */
GUEST_FN static void GFN(sort)(int64_t *a, long n, int (*cmp)(int64_t, int64_t))
{
	while (n > 8) {
		int64_t pivot = a[n / 2];
		long i = 0, j = n - 1;
		for (;;) {
			while (cmp(a[i], pivot) < 0)
				i++;
			while (cmp(a[j], pivot) > 0)
				j--;
			if (i >= j)
				break;
			int64_t t = a[i];
			a[i] = a[j];
			a[j] = t;
			i++;
			j--;
		}
		GFN(sort)(a, j + 1, cmp);
		a += j + 1;
		n -= j + 1;
	}
	for (long i = 1; i < n; i++) {
		int64_t x = a[i];
		long k = i - 1;
		while (k >= 0 && cmp(a[k], x) > 0) {
			a[k + 1] = a[k];
			k--;
		}
		a[k + 1] = x;
	}
}

GUEST_FN static char *GFN(put_num)(char *p, char *end, uint64_t v, unsigned int base, bool neg,
				   int width, bool zero, bool left, bool upper)
{
	static const char lower_digits[] = "0123456789abcdef";
	static const char upper_digits[] = "0123456789ABCDEF";
	char tmp[24];
	int n = 0;
	do {
		tmp[n++] = (upper ? upper_digits : lower_digits)[v % base];
		v /= base;
	} while (v);
	int len = n + neg;
	if (!left && !zero)
		for (; width > len && p < end; width--)
			*p++ = ' ';
	if (neg && p < end)
		*p++ = '-';
	if (!left && zero)
		for (; width > len && p < end; width--)
			*p++ = '0';
	while (n && p < end)
		*p++ = tmp[--n];
	if (left)
		for (; width > len && p < end; width--)
			*p++ = ' ';
	return p;
}

/* A small snprintf: %d %i %u %x %X %o %c %s %p %%, flags - 0, width, l/ll/z. */
GUEST_FN static int GFN(format)(char *buf, long size, const char *fmt, ...)
{
	va_list ap;
	char *p = buf, *end = buf + size - 1;
	va_start(ap, fmt);
	for (; *fmt && p < end; fmt++) {
		if (*fmt != '%') {
			*p++ = *fmt;
			continue;
		}
		bool left = false, zero = false;
		int width = 0, lng = 0;
		for (fmt++;; fmt++) {
			if (*fmt == '-')
				left = true;
			else if (*fmt == '0')
				zero = true;
			else
				break;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l' || *fmt == 'z') {
			lng++;
			fmt++;
		}
		switch (*fmt) {
		case 'd':
		case 'i': {
			int64_t v = lng ? va_arg(ap, int64_t) : va_arg(ap, int);
			uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
			p = GFN(put_num)(p, end, mag, 10, v < 0, width, zero, left, false);
			break;
		}
		case 'u':
		case 'x':
		case 'X':
		case 'o': {
			uint64_t v = lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned int);
			unsigned int base = *fmt == 'u' ? 10 : *fmt == 'o' ? 8 : 16;
			p = GFN(put_num)(p, end, v, base, false, width, zero, left, *fmt == 'X');
			break;
		}
		case 'p':
			if (p + 2 <= end) {
				*p++ = '0';
				*p++ = 'x';
			}
			p = GFN(put_num)(p, end, (uintptr_t)va_arg(ap, void *), 16, false, 0, false,
					 false, false);
			break;
		case 'c':
			*p++ = (char)va_arg(ap, int);
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			int len = 0;
			while (s[len])
				len++;
			if (!left)
				for (; width > len && p < end; width--)
					*p++ = ' ';
			while (*s && p < end)
				*p++ = *s++;
			if (left)
				for (; width > len && p < end; width--)
					*p++ = ' ';
			break;
		}
		case '%':
			*p++ = '%';
			break;
		default:
			va_end(ap);
			return -1;
		}
	}
	*p = 0;
	va_end(ap);
	return (int)(p - buf);
}

/* Integer arithmetic of every kind: shifts, rotates, multiply high,
 * divisions by constants and variables, a switch with a jump table,
 * 128-bit arithmetic (a libgcc call for the division), bit tricks. */
GUEST_FN static uint64_t GFN(mix)(const uint8_t *data, long n, uint64_t seed)
{
	uint64_t h = 0xcbf29ce484222325ull ^ seed;
	uint32_t crc = 0xffffffffu;
	int64_t acc = (int64_t)seed;
	for (long i = 0; i < n; i++) {
		h = (h ^ data[i]) * 0x100000001b3ull;
		crc ^= data[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
		switch ((data[i] ^ i) % 11) {
		case 0:
			acc += data[i] * 3;
			break;
		case 1:
			acc -= (int64_t)(h % 1000003);
			break;
		case 2:
			acc ^= (int64_t)(h >> 13);
			break;
		case 3:
			acc = acc / 7 + (int64_t)(h & 0xff);
			break;
		case 4:
			acc = (int64_t)((uint64_t)acc << (data[i] & 15));
			break;
		case 5:
			acc = acc >> (data[i] & 31);
			break;
		case 6:
			acc += (int64_t)((h << 17) | (h >> 47));
			break;
		case 7:
			acc = acc % (int64_t)(data[i] + 1);
			break;
		case 8:
			acc += (int8_t)data[i] * (int16_t)(h >> 5);
			break;
		case 9:
			acc ^= (int64_t)__builtin_popcountll(h) + __builtin_ctzll(h | 1) +
			       __builtin_clzll(h | 1);
			break;
		default:
			acc = (int64_t)((unsigned __int128)(uint64_t)acc * h >> 64);
			break;
		}
	}
	unsigned __int128 big = (unsigned __int128)h * (uint64_t)acc + crc;
	uint64_t q = (uint64_t)(big / ((h | 1) >> 7 | 1));
	uint32_t w = (uint32_t)(h >> 32);
	int16_t sh = (int16_t)(acc >> 3);
	int8_t sb = (int8_t)(crc >> 9);
	return h ^ q ^ ((uint64_t)crc << 32) ^ (uint64_t)acc ^ (w / 3u) ^ (uint64_t)(sh / 5) ^
	       (uint64_t)(sb % 3) ^ (uint64_t)((int32_t)w >> 4);
}

/* Byte loops the compiler may turn into string instructions or word
 * copies. */
GUEST_FN static long GFN(strings)(char *dst, const char *src, long n)
{
	long len = 0;
	while (src[len])
		len++;
	for (long i = 0; i < n; i++)
		dst[i] = (char)(i & 0x7f);
	for (long i = 0; i < len && i < n; i++)
		dst[i] = src[i];
	for (long i = 0; i + 1 < n; i += 2) {
		uint16_t v;
		__builtin_memcpy(&v, dst + i, 2);
		v = (uint16_t)((v << 3) | (v >> 13));
		__builtin_memcpy(dst + i, &v, 2);
	}
	return len;
}
