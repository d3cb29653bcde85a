/* client.c - lab 2, reference solution: an ipclab client over TCP, written
 * from the message format alone (common/msg.h; `ipclab demo tcp` shows the
 * bytes).  Sends COUNT ECHO requests to `ipclab serve -m tcp`, checks every
 * reply, says BYE.  Exit 0 when every reply was right. */
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

static int connect_to(char *addr)
{
	char *colon = strrchr(addr, ':');
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
	if (!colon)
		return -1;
	*colon = '\0';
	if (getaddrinfo(addr, colon + 1, &hints, &ai) != 0)
		return -1;
	int fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

/* One request, one reply: 0 when the reply is the one we asked for. */
static int exchange(int fd, uint8_t op, uint64_t seq, const uint8_t *data, uint32_t len)
{
	uint8_t msg[HDR + 256], hdr[HDR], back[256];
	memset(msg, 0, HDR);
	put32(msg, MAGIC);
	msg[4] = 1; /* version */
	msg[5] = op;
	for (int i = 0; i < 8; i++)
		msg[8 + i] = (uint8_t)(seq >> (56 - 8 * i));
	put32(msg + 16, len);
	memcpy(msg + HDR, data, len);
	if (write_full(fd, msg, HDR + len) < 0 || read_full(fd, hdr, HDR) < 0)
		return fprintf(stderr, "client: seq %llu: connection lost\n", (unsigned long long)seq), -1;
	if (get(hdr, 4) != MAGIC || hdr[5] != op || !(get(hdr + 6, 2) & FLAG_REPLY) ||
	    get(hdr + 8, 8) != seq || get(hdr + 16, 4) != len)
		return fprintf(stderr, "client: seq %llu: wrong reply header\n", (unsigned long long)seq), -1;
	if (read_full(fd, back, len) < 0 || memcmp(back, data, len) != 0)
		return fprintf(stderr, "client: seq %llu: wrong payload\n", (unsigned long long)seq), -1;
	return 0;
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
