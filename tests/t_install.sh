#!/bin/sh
# t_install.sh - `make install` gives students the lab handouts and never the
# answers: into a DESTDIR, every handout (docs/labs/*.md), every code lab's
# starting folder and every picture (well-formed) is installed; no answer key
# (docs/labs/answers/), no reference solution (docs/labs/code/reference/)
# and no grader, under any name (each installed file is compared with
# them byte for byte).  `make uninstall` removes them again.  Only the
# install-labs part runs here (it builds nothing); that `make install`
# includes it is read from make's database.
. "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.." || exit 1
# make check runs us from inside make: its jobserver is not ours to use
unset MAKEFLAGS MFLAGS MAKELEVEL
tmp=$(mktemp -d "${TMPDIR:-/tmp}/t_install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
doc=$root/usr/share/doc/ipclab

check "make install-labs into a DESTDIR succeeds" \
	'make -s --no-print-directory install-labs DESTDIR="$root" PREFIX=/usr >"$tmp/out" 2>&1'
check "make install includes install-labs" \
	'make -pq --no-print-directory install DESTDIR="$root" PREFIX=/usr 2>/dev/null | grep -q "^install:.* install-labs"'

# the handouts, the code labs' starting files and the pictures are there
missing=
for f in docs/labs/*.md docs/labs/code/README.md docs/labs/code/[0-9]-*/*; do
	cmp -s "$f" "$doc/labs/${f#docs/labs/}" || missing="$missing ${f#docs/labs/}"
done
for f in docs/img/*.svg; do
	[ -f "$f" ] || continue
	cmp -s "$f" "$doc/img/${f#docs/img/}" || missing="$missing $f"
done
check "every handout, starting file and picture is installed${missing:+ (missing:$missing)}" \
	'[ -z "$missing" ]'

# a picture a handout links to (../img/X.svg) is there beside it
dangling=
for l in $(cat "$doc"/labs/*.md 2>/dev/null | grep -o '\.\./img/[A-Za-z0-9._-]*\.svg' | sort -u); do
	[ -f "$doc/labs/$l" ] || dangling="$dangling $l"
done
check "the installed handouts' pictures resolve${dangling:+ (dangling:$dangling)}" '[ -z "$dangling" ]'

# the pictures are well-formed XML (hand-written SVG: a stray & or < breaks
# them in every viewer)
if command -v python3 >/dev/null 2>&1; then
	bad=
	for f in docs/img/*.svg; do
		[ -f "$f" ] || continue
		python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$f" 2>/dev/null ||
			bad="$bad $f"
	done
	check "every docs/img/*.svg is well-formed XML${bad:+ (not:$bad)}" '[ -z "$bad" ]'
else
	echo "skip - python3 missing: the SVGs' XML NOT checked"
fi

# no answer key, reference solution or grader: by name and by content
check "no answers/ or reference/ folder, no grader installed" \
	'[ -z "$(find "$root" \( -name answers -o -name reference -o -name "grade*.sh" -o -name grader -o -name labs.mk \) -print)" ]'
leaked=
for secret in $(find docs/labs/answers docs/labs/code/reference docs/labs/code/grader -type f); do
	for f in $(find "$root" -type f); do
		cmp -s "$secret" "$f" && leaked="$leaked $secret"
	done
done
check "no installed file is an answer key, reference solution or grader file${leaked:+ (leaked:$leaked)}" \
	'[ -z "$leaked" ]'

check "make uninstall removes the handouts" \
	'make -s --no-print-directory uninstall DESTDIR="$root" PREFIX=/usr >"$tmp/out" 2>&1 && [ ! -e "$doc" ]'

[ "$fails" -eq 0 ] || cat "$tmp/out"
echo "install: $fails failed"
[ "$fails" -eq 0 ]
