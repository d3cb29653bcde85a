/* liar.c - lab 2's grader: an ipclab TCP server that answers like `ipclab
 * serve -m tcp` except once: the third ECHO reply has one payload byte
 * flipped (mode "payload") or the wrong seq (mode "seq").  A client that
 * checks its replies exits non-zero; one that does not, exits 0.
 * Listens on 127.0.0.1:0, prints "127.0.0.1:PORT", serves one client, exits.
 * Usage: liar payload|seq */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define HDR 24
#define CAP 65536u

static int io_full(int fd, void *buf, size_t len, int writing)
{
	for (size_t done = 0; done < len;) {
		ssize_t n = writing ? write(fd, (char *)buf + done, len - done)
				    : read(fd, (char *)buf + done, len - done);
		if (n <= 0)
			return -1;
		done += (size_t)n;
	}
	return 0;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Serves fd until it closes or says BYE; lies on the third ECHO. */
static void serve(int fd, int lie_seq)
{
	static uint8_t msg[HDR + CAP];
	int echoes = 0;
	for (;;) {
		if (io_full(fd, msg, HDR, 0) < 0)
			return;
		uint32_t len = be32(msg + 16);
		if (len > CAP || io_full(fd, msg + HDR, len, 0) < 0)
			return;
		uint8_t op = msg[5];
		msg[7] |= 2;   /* REPLY */
		if (op == 1) { /* HELLO: the cap */
			len = 4;
			msg[16] = 0, msg[17] = 0, msg[18] = 0, msg[19] = 4;
			msg[HDR] = 0, msg[HDR + 1] = 1, msg[HDR + 2] = 0, msg[HDR + 3] = 0;
		} else if (op == 2 && ++echoes == 3) {
			if (lie_seq || len == 0)
				msg[15] ^= 1;
			else
				msg[HDR + len / 2] ^= 0x20;
		}
		if (io_full(fd, msg, HDR + len, 1) < 0 || op == 5)
			return;
	}
}

int main(int argc, char **argv)
{
	if (argc != 2 || (strcmp(argv[1], "payload") != 0 && strcmp(argv[1], "seq") != 0)) {
		fprintf(stderr, "usage: liar payload|seq\n");
		return 2;
	}
	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t slen = sizeof sin;
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sin, sizeof sin) < 0 || listen(lfd, 4) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &slen) < 0) {
		perror("liar");
		return 1;
	}
	printf("127.0.0.1:%u\n", ntohs(sin.sin_port));
	fflush(stdout);
	int fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		return 1;
	serve(fd, strcmp(argv[1], "seq") == 0);
	close(fd);
	return 0;
}
