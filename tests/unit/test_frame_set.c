/* The sorted range set that records which frames a domain owns. */
#include <errno.h>

#include "hv/domain.h"
#include "tests/tap.h"

int main(void)
{
	struct frame_set s = { 0 };
	TAP_CHECK(frame_set_add(&s, 100, 10) == 0 && s.n == 1 && s.frames == 10, "add a range");
	TAP_CHECK(frame_set_add(&s, 110, 5) == 0 && s.n == 1, "an adjacent range merges after");
	TAP_CHECK(frame_set_add(&s, 90, 10) == 0 && s.n == 1 && s.v[0].mfn == 90, "and before");
	TAP_CHECK(frame_set_add(&s, 200, 1) == 0 && s.n == 2, "a separate range stays separate");
	TAP_CHECK(frame_set_add(&s, 115, 85) == 0 && s.n == 1 && s.frames == 111, "filling the gap joins both");
	TAP_CHECK(frame_set_add(&s, 150, 1) == -EEXIST && s.frames == 111, "overlaps are refused, nothing changes");
	TAP_CHECK(frame_set_contains(&s, 90) && frame_set_contains(&s, 200) && !frame_set_contains(&s, 201) &&
			  !frame_set_contains(&s, 89),
		  "membership at both ends");
	TAP_CHECK(frame_set_remove(&s, 120, 10) == 0 && s.n == 2 && s.frames == 101, "removing a middle part splits");
	TAP_CHECK(!frame_set_contains(&s, 125) && frame_set_contains(&s, 119) && frame_set_contains(&s, 130),
		  "the hole is gone, the sides remain");
	TAP_CHECK(frame_set_remove(&s, 125, 1) == -ENOENT, "removing what is not there fails");
	TAP_CHECK(frame_set_remove(&s, 90, 30) == 0 && s.n == 1, "removing a whole range");
	frame_set_clear(&s);
	TAP_CHECK(s.n == 0 && s.frames == 0, "clear empties the set");
	return tap_done();
}
