/* client.c - lab 2: an ipclab client over TCP, written from the message
 * format alone (see README.md; `ipclab demo tcp` shows the bytes).
 *
 * Write the two functions marked TODO (about 40 lines), then grade your work
 * from the top of the ipclab tree with:   make grade LAB=2
 *
 * What the grader checks: `client HOST:PORT COUNT` sends COUNT ECHO requests
 * (seq 1..COUNT, each with 1 to 64 payload bytes) to `ipclab serve -m tcp`,
 * checks every reply (magic, op, the REPLY flag, seq, len, every payload
 * byte), then sends BYE and reads its reply; exit 0 when all were right,
 * exit 1 at the first wrong or missing reply (the grader also runs it
 * against a server that lies once).
 *
 * The header, 24 bytes, every field big-endian (network byte order):
 *   offset size field
 *        0    4 magic    0x49504c31 ("IPL1")
 *        4    1 version  1
 *        5    1 op       2 = ECHO, 5 = BYE
 *        6    2 flags    0 in a request; a reply has bit 1 (REPLY, 0x0002) set
 *        8    8 seq      chosen by the client, echoed in the reply
 *       16    4 len      payload bytes that follow the header
 *       20    4 crc      0 (no CRC: flags bit 0 clear)
 */
#define _GNU_SOURCE
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define HDR 24
#define MAGIC 0x49504c31u
enum { OP_ECHO = 2, OP_BYE = 5, FLAG_REPLY = 2 };

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (24 - 8 * i));
}

static uint64_t get(const uint8_t *p, int n) /* n big-endian bytes */
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* read(2) may return fewer bytes than asked: TCP is a byte stream */
static int read_full(int fd, void *buf, size_t len)
{
	for (size_t got = 0; got < len;) {
		ssize_t n = read(fd, (char *)buf + got, len - got);
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

static int write_full(int fd, const void *buf, size_t len)
{
	for (size_t put = 0; put < len;) {
		ssize_t n = write(fd, (const char *)buf + put, len - put);
		if (n <= 0)
			return -1;
		put += (size_t)n;
	}
	return 0;
}

/* Connects a TCP socket to "HOST:PORT"; returns the socket or -1. */
static int connect_to(char *addr)
{
	/* TODO 1: split addr at its last ':', getaddrinfo(3) the host and
	 * port (hints.ai_socktype = SOCK_STREAM), socket(2), connect(2),
	 * freeaddrinfo.  About 15 lines. */
	(void)addr;
	return -1;
}

/* One request, one reply: 0 when the reply is the one we asked for. */
static int exchange(int fd, uint8_t op, uint64_t seq, const uint8_t *data, uint32_t len)
{
	/* TODO 2: about 25 lines.
	 *  - fill a 24-byte header (see the table at the top; put32 and a
	 *    loop for the 8-byte seq), then the len payload bytes after it;
	 *  - write_full() header + payload;
	 *  - read_full() the 24-byte reply header and check magic, op, the
	 *    REPLY flag, seq and len (get() reads a big-endian field);
	 *  - read_full() len payload bytes and compare them with data.
	 * Print what was wrong on stderr and return -1; return 0 when right. */
	(void)fd, (void)op, (void)seq, (void)data, (void)len;
	(void)put32, (void)get, (void)read_full, (void)write_full;
	return -1;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: client HOST:PORT COUNT\n");
		return 2;
	}
	long count = strtol(argv[2], NULL, 10);
	int fd = connect_to(argv[1]);
	if (fd < 0) {
		fprintf(stderr, "client: cannot connect to %s\n", argv[1]);
		return 1;
	}
	uint8_t data[256];
	for (long seq = 1; seq <= count; seq++) {
		uint32_t len = (uint32_t)(seq % 64 + 1);
		for (uint32_t i = 0; i < len; i++)
			data[i] = (uint8_t)(seq + i);
		if (exchange(fd, OP_ECHO, (uint64_t)seq, data, len) < 0)
			return 1;
	}
	if (exchange(fd, OP_BYE, 0, data, 0) < 0)
		return 1;
	close(fd);
	printf("client: %ld replies verified\n", count);
	return 0;
}
