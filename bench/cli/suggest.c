/* suggest.c - "did you mean ...?" for every command: the closest known word
 * to a typo, by edit distance (optimal string alignment: insertions,
 * deletions, substitutions and swaps of two neighbours each cost 1, so
 * "clinets" is one step from "clients"). */
#include "bench/cli/cli.h"
#include "bench/registry/registry.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WORD_MAX 64 /* longer words are not typos of ours */

size_t ipl_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > WORD_MAX || lb > WORD_MAX)
		return (size_t)-1;
	/* three rows of the DP table: two back are needed for a swap */
	size_t rows[3][WORD_MAX + 1];
	size_t *pp = rows[0], *p = rows[1], *c = rows[2];
	for (size_t j = 0; j <= lb; j++)
		p[j] = j;
	for (size_t i = 1; i <= la; i++) {
		c[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1];
			size_t best = p[j - 1] + cost;
			if (p[j] + 1 < best)
				best = p[j] + 1;
			if (c[j - 1] + 1 < best)
				best = c[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && pp[j - 2] + 1 < best)
				best = pp[j - 2] + 1;
			c[j] = best;
		}
		size_t *t = pp;
		pp = p, p = c, c = t;
	}
	return p[lb];
}

const char *ipl_suggest(const char *word, const char *const *cands, size_t n)
{
	/* a third of the word may be wrong, at least one letter, at most three:
	 * beyond that the "suggestion" is a guess, not a correction */
	size_t len = strlen(word), limit = len / 3 < 1 ? 1 : len / 3 > 3 ? 3 : len / 3;
	const char *best = NULL;
	size_t bestd = limit + 1;
	for (size_t i = 0; i < n; i++) {
		if (!cands[i])
			continue;
		size_t d = ipl_edit_distance(word, cands[i]);
		if (d < bestd)
			best = cands[i], bestd = d;
	}
	return best;
}

void ipl_unknown_option(char *err, size_t len, const char *arg, const struct option *longs)
{
	const char *names[64];
	size_t n = 0;
	char word[WORD_MAX + 1];
	const char *hint = NULL;
	if (arg[0] == '-' && arg[1] == '-' && longs) {
		snprintf(word, sizeof word, "%.*s", (int)strcspn(arg + 2, "="), arg + 2);
		for (; longs[n].name && n < sizeof names / sizeof names[0]; n++)
			names[n] = longs[n].name;
		hint = ipl_suggest(word, names, n);
	}
	if (hint && !strcmp(hint, word))
		snprintf(err, len, "option '--%s' takes no value", word);
	else if (hint)
		snprintf(err, len, "unknown option '%s' (did you mean --%s?)", arg, hint);
	else
		snprintf(err, len, "unknown option '%s'", arg);
}

const char *ipl_suggest_mech(const char *name)
{
	const char *names[IPL_LIST_MAX];
	size_t n = 0;
	for (size_t i = 0; i < ipl_transport_count() && n < IPL_LIST_MAX; i++)
		names[n++] = ipl_transport_at(i)->name;
	return ipl_suggest(name, names, n);
}
