/* log.h - the demo's event log: what both processes of `ipclab demo` did.
 *
 * The log is one MAP_SHARED mapping made before fork; the server child and
 * the parent (the client) append events to it as they happen, and the
 * parent prints it once the exchange is over (print.h).
 */
#ifndef IPL_DEMO_LOG_H
#define IPL_DEMO_LOG_H

#include <stddef.h>
#include <stdint.h>

enum ipl_demo_side { IPL_DEMO_SETUP = 0, IPL_DEMO_CLIENT = 1, IPL_DEMO_SERVER = 2 };

enum ipl_demo_kind {
	IPL_DEMO_HEAD = 0, /* a section heading */
	IPL_DEMO_TEXT = 1, /* a line of narration */
	IPL_DEMO_SEND = 2, /* bytes handed to the mechanism; data holds them */
	IPL_DEMO_RECV = 3, /* bytes the mechanism returned; data holds them */
};

#define IPL_DEMO_TEXT_MAX 300
#define IPL_DEMO_DATA_MAX 512

struct ipl_demo_ev {
	int side, kind;
	char text[IPL_DEMO_TEXT_MAX]; /* narration, or the call that moved the bytes */
	int64_t nbytes;               /* SEND/RECV: bytes moved (recv: 0 = EOF, <0 = error) */
	uint32_t datalen;             /* bytes kept in data (<= nbytes) */
	uint8_t data[IPL_DEMO_DATA_MAX];
	int rpc_step; /* rpc walk-through: the step this event shows, or 0 */
};

#define IPL_DEMO_EVENTS 96

struct ipl_demo_log {
	_Atomic unsigned n;
	struct ipl_demo_ev ev[IPL_DEMO_EVENTS];
};

/* The next free event, zeroed; NULL once the log is full (later events are
 * dropped: the demo never needs more than IPL_DEMO_EVENTS). */
struct ipl_demo_ev *ipl_demo_ev_new(struct ipl_demo_log *lg);

/* The events logged so far (at most IPL_DEMO_EVENTS). */
unsigned ipl_demo_ev_count(const struct ipl_demo_log *lg);

/* Appends a narration line (printf format) for side; ignored once full. */
void ipl_demo_say(struct ipl_demo_log *lg, int side, int kind, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Marks the most recent event of side with an rpc step number. */
void ipl_demo_mark_step(struct ipl_demo_log *lg, int side, int step);

#endif
