#!/bin/sh
# mime.sh - the MIME scanner (parse/mimescan.c) splits messages exactly as
# GMime's parser does: same parts, types, headers, filenames and decoded
# contents, on the samples, the regression inputs, hand-made edge cases and
# every message of ../shared/corpus (missing: a failure).
#
# Usage: tests/conformance/mime.sh   (ABUSEDESK_BUILD=build dir, default build/default)
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
tool=${ABUSEDESK_BUILD:-$root/build/default}/tests/mimecmp
if [ ! -x "$tool" ]; then
	echo "FAIL: $tool not built (make check builds it)"
	echo "mime: 0 passed, 1 failed"
	exit 1
fi
work=$(mktemp -d /tmp/abusedesk-mime-XXXXXX)
trap 'rm -rf "$work"' EXIT

# edge cases: name, then the message as printf(1) input
i=0
edge() {
	i=$((i + 1))
	printf "$2" >"$work/edge-$i-$1.eml"
}
edge first-line-no-field 'no colon here\nSubject: a\n\nbody\n'
edge first-line-indented '  Subject: a\n\nbody\n'
edge name-with-space 'Sub ject: a\n\nbody\n'
edge blanks-then-colon '  :x'
edge first-line-folded-colon '\236\n :'
edge second-mbox-line 'From a@b Mon Jan  1 00:00:00 2024\nFrom x\nSubject: a\n\nbody\n'
edge mbox-line-vt 'From x\nFrom \vMessage-ID-8Tu%%t'
edge mbox-like-tab 'From x\nFrom\tx\nSubject: a\n\n'
edge colon-first ':x\n\nbody\n'
edge blank-colon-blank ' : x\n\nbody\n'
edge blank-before-colon 'Subject : a\n\nbody\n'
edge invalid-line-inside 'Subject: a\nno colon here\nFrom: b\n\nbody\n'
edge empty-name 'Subject: a\n: empty\nFrom: b\n\nbody\n'
edge cut-in-name 'Subject: a\nDaAES'
edge cut-in-name-blank 'Subject: a\nX b'
edge cut-in-name-ctl 'Subject: a\nX\001b'
edge cut-in-name-blank-end 'Subject: a\n2 '
tail='Content-Type: multipart/mixed; boundary=B\n\n--B\n\none\n--B\n'
edge top-folded-blank 'P: x\nfom \t\t\n\t'
edge top-blank-end 'Subject: a\n '
edge top-noname-blank-end ' :\n\t \t '
edge part-noname-blank-end 'Content-Type: multipart/mixed; boundary=B\n\n--B\n :\n\t \t '
n=0
for t in 'fom \t\t\n\t' ';   \n ' 'X: 1\n;   \n ' 'hello\n ' 'hello\n\t' 'hello world\n ' 'hello\n x' \
	'hello\n  \n ' 'hello world' 'hello' ' ' '  x' 'hello\n' ';\n' ';' 'X: 1\nhello' 'X: 1\nhello world' \
	'X: 1\nhello\n ' 'X: 1\n ' 'X: 1\n' 'P: x\nfom \t\t\n\t' 'X: 1\n--B--' 'X: 1\n--B--\n' 'X: 1\n--B' \
	'X: 1\n--B\n' 'X: 1\n--B-- ' 'X: 1\n--B --' '\nbody\n--B--' 'd:\n--B--' 'X: 1\n--B--x'; do
	n=$((n + 1))
	edge "part-at-eof-$n" "$tail$t"
done
edge headers-only 'Subject: a\n'
edge leading-blank-line '\nSubject: a\n\nbody\n'
edge empty ''
edge folded 'Subject: a\n  b\t c  \nX-T: =?utf-8?q?h=C3=A9?=\n\nbody\n'
edge eight-bit 'Subject: caf\351\nFrom: \303\251 <a@b.c>\n\nbody\n'
edge repeated 'Subject: one\nSubject: two\nMessage-ID: <a@b>\nMessage-ID: <c@d>\nContent-Type: text/html\nContent-Type: text/plain\n\nbody\n'
mp='Subject: x\nContent-Type: multipart/mixed; boundary=B\n\npreface\n--B\n%s\n--B\nContent-Type: text/html\n\nsecond\n--B--\npostface\n'
edge part-first-line-invalid "$(printf "$mp" 'hello\n\nbody')"
edge part-invalid-line "$(printf "$mp" 'X: 1\nhello\nY: 2\n\nbody')"
edge part-no-blank-line "$(printf "$mp" 'X: 1\nY: 2\nbody-without-blank')"
edge boundary-in-headers "$(printf "$mp" 'X: 1\n--B\nY: 2\n\nbody')"
edge end-in-headers "$(printf "$mp" 'X: 1\n--B--\n')"
edge part-empty "$(printf "$mp" '')"
edge part-no-field-then-boundary "$(printf "$mp" 'hello')"
edge inner-no-field 'Content-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: multipart/alternative; boundary=C\n\n--C\nhello\n--B--\n'
edge inner-field 'Content-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: multipart/alternative; boundary=C\n\n--C\nX: 1\n--B--\n'
edge inner-empty 'Content-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: multipart/alternative; boundary=C\n\n--C\n--B--\n'
edge boundary-then-end 'Content-Type: multipart/mixed; boundary=B\n\n--B\n--B--\n'
edge no-field-at-eof 'Content-Type: multipart/mixed; boundary=B\n\n--B\nhello'
edge field-at-eof 'Content-Type: multipart/mixed; boundary=B\n\n--B\nX: 1'
edge words-at-eof 'Content-Type: multipart/mixed; boundary=B\n\n--B\nhello world'
edge field-then-name-at-eof 'Content-Type: multipart/mixed; boundary=B\n\n--B\nX: 1\nhello'
edge boundary-at-eof 'Content-Type: multipart/mixed; boundary=B\n\n--B'
edge boundary-newline-at-eof 'Content-Type: multipart/mixed; boundary=B\n\n--B\n'
edge no-field-blank-at-eof 'Content-Type: multipart/mixed; boundary=B\n\n--B\nhello\n\n'

edge boundary-blanks 'Content-Type: multipart/mixed; boundary="a b"\n\n--a b  \n\none\n--a b\t\n\ntwo\n--a b--  \n'
edge boundary-prefix 'Content-Type: multipart/mixed; boundary=B\n\n--B\n\none\n--BB\nstill one\n--B-x\nstill one\n--B--\n'
edge never-closed 'Content-Type: multipart/report; report-type=delivery-status; boundary=B\n\n--B\n\none\n--B\nContent-Type: message/delivery-status\n\nStatus: 5.0.0\n'
edge nested 'Content-Type: multipart/mixed; boundary=O\n\n--O\nContent-Type: multipart/alternative; boundary=I\n\n--I\n\na\n--I\nContent-Type: text/html\n\nb\n--O\n\nafter inner never closed\n--O--\n'
edge same-boundary 'Content-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: multipart/mixed; boundary=B\n\n--B\n\ninner\n--B--\n\n--B--\n'
edge no-boundary 'Content-Type: multipart/mixed\n\n--B\n\nnot split\n'
edge digest 'Content-Type: multipart/digest; boundary=D\n\n--D\n\nSubject: in digest\n\nhi\n--D\nContent-Type: text/plain\n\nplain\n--D--\n'
edge encodings 'Content-Type: multipart/mixed; boundary=E\n\n--E\nContent-Transfer-Encoding: base64\n\naGVsbG8gd29y\nbGQ=\n--E\nContent-Transfer-Encoding: quoted-printable\n\nsoft=\nbreak =C3=A9\n--E\nContent-Transfer-Encoding: x-uuencode\n\nbegin 644 f\n%%:&5L;&\\`\n`\nend\n--E\nContent-Transfer-Encoding: BASE64 \n\n!!!garbage***\n--E--\n'
edge filenames 'Content-Type: multipart/mixed; boundary=F\n\n--F\nContent-Type: application/zip; name="a.zip"\n\nx\n--F\nContent-Disposition: attachment; filename*=utf-8'"''"'r%%C3%%A9port.txt\n\ny\n--F\nContent-Type: text/plain; name==?utf-8?q?x=2Ejson?=\n\nz\n--F--\n'
edge message-leaf 'Content-Type: multipart/report; report-type=feedback-report; boundary=R\n\n--R\nContent-Type: message/rfc822\n\nContent-Type: multipart/mixed; boundary=Z\n\n--Z\n\ninner\n--Z--\n--R--\n'
edge type-garbage 'Content-Type: ;;; /\n\nbody\n'
edge params-spaces 'Content-Type: multipart/mixed ; Boundary = "x y" ; report-type=a;\n\n--x y\n\none\n--x y--\n'
edge params-backslash 'Content-Type: multipart/mixed; boundary="a\\\\\"b"\n\n--a"b\n\none\n--a"b--\n'
edge params-2231 "Content-Type: multipart/mixed; boundary*0=ab; boundary*1=cd\\n\\n--abcd\\n\\none\\n--abcd--\\n"
edge params-twice 'Content-Type: multipart/mixed; boundary=A; boundary=B\n\n--A\n\none\n--B\n\ntwo\n--A--\n'
edge params-no-value 'Content-Type: multipart/mixed; boundary; x=1\n\n--\n\none\n'
edge params-empty-quoted 'Content-Type: multipart/mixed; boundary=""\n\n--\n\none\n----\n'
edge params-encoded 'Content-Type: text/plain; name="=?utf-8?q?r=C3=A9port.txt?="\n\nbody\n'
edge params-8bit 'Content-Type: text/plain; name="r\351port.txt"; charset=latin1\n\nbody\n'
edge params-junk-after 'Content-Type: multipart/mixed; boundary=B junk\n\n--B\n\none\n--B--\n'
edge type-comment 'Content-Type: text/plain (comment); charset=x\n\nbody\n'

set -- "$work"/*.eml samples/*.eml tests/regress/parse/*
corpus=../shared/corpus
if [ -d "$corpus" ]; then
	find "$corpus" -type f \( -name '*.eml' -o -path '*/maildir/*' \) | sort >"$work/corpus.list"
else
	echo "FAIL: corpus not found ($corpus)"
	echo "mime: 0 passed, 1 failed"
	exit 1
fi
# one process for the fixed files, then the corpus in batches (xargs)
"$tool" "$@" >"$work/out" 2>&1
rc=$?
if [ -s "$work/corpus.list" ]; then
	xargs "$tool" <"$work/corpus.list" >>"$work/out" 2>&1 || rc=1
fi
grep -v '^FIGURE\|passed,' "$work/out" | head -40
awk '/^FIGURE mime:/ { m += $3; p += $5; d += $7 }
     /^mime: / { ok += $2; bad += $4 }
     END { printf "FIGURE mime: %d messages, %d parts, %d differences from GMime'"'"'s parser\n", m, p, d
           printf "mime: %d passed, %d failed\n", ok, bad }' "$work/out"
exit $rc
