/* layout.h - what lies in shm's shared objects (see shm.c for the protocol).
 *
 * Private to shm.c, except that the tests play hostile peers with it.  Every
 * field here is written by a process we do not trust: read it once, check
 * it, never re-read a checked value.
 */
#ifndef IPL_SHM_LAYOUT_H
#define IPL_SHM_LAYOUT_H

#include "shm/ring.h"

#include <fcntl.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define RDV_MAGIC 0x69706c52u /* "iplR" */
#define SEG_MAGIC 0x69706c53u /* "iplS" */
#define SHM_VERSION 2u        /* 2: segments are sealed memfds passed by fd number */
#define NSLOTS 64
#define SLOT_READY 0x80000000u   /* slot state: writer's pid | READY */
#define SEG_HDR 4096u            /* control page; the two data areas follow */
#define RING_SIZE (256u * 1024u) /* per direction; larger messages stream through */
/* The smallest ring a client makes for a small in-flight hint: every
 * conn's hot lines then stay in cache with hundreds of conns open. */
#define RING_SIZE_SMALL (16u * 1024u)
/* The largest ring a server maps for a client: what a client can make it
 * reserve.  Messages of any size stream through rings of any size. */
#define SEG_RING_MAX (1u << 20)
/* The ring a client makes for a one-way stream (IPL_INFLIGHT_STREAM). */
#define RING_SIZE_STREAM SEG_RING_MAX
/* The seals a segment must carry: its size is fixed for good. */
#define SEG_SEALS (F_SEAL_SHRINK | F_SEAL_GROW)

enum { REQ = 0, REP = 1 }; /* ring[REQ]: client -> server; ring[REP]: back */

struct slot {
	_Atomic uint32_t state; /* 0 free; pid: being written; pid|READY: ready */
	_Atomic int32_t fd;     /* the segment's fd number in that pid */
};

struct rdv {
	uint32_t magic, version;
	_Atomic int32_t server_pid; /* who accepts: the preparer until attach_server */
	_Atomic uint32_t closed;    /* the server has stopped: do not wait for it */
	_Atomic uint32_t posted;    /* futex: bumped when a slot becomes ready */
	_Atomic uint32_t freed;     /* futex: bumped when a slot is freed */
	_Atomic uint32_t epoch;     /* changed each time the server rebuilds the object */
	struct slot slot[NSLOTS];
};

struct seg {
	uint32_t magic, version;
	uint32_t ring_size;
	_Atomic int32_t client_pid, server_pid;
	_Atomic uint32_t accepted; /* futex: 1 once the server has mapped it */
	struct ipl_shmring ring[2];
	/* the CPU each end last waited on (hybrid), each on its own line */
	_Alignas(64) _Atomic int32_t client_cpu;
	_Alignas(64) _Atomic int32_t server_cpu;
};

_Static_assert(sizeof(struct seg) <= SEG_HDR, "segment header must fit its page");

static inline size_t ipl_shm_seg_len(uint32_t ring_size)
{
	return SEG_HDR + 2 * (size_t)ring_size;
}

#endif
