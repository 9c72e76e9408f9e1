#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# spawn.sh N BIN: a shell script of the kind configure scripts and init scripts are, N times
# round a loop that starts four short processes (basename, cat, expr, true), every one by
# the full path of its copy in BIN, so that the shell never answers one with a builtin.
set -eu
n=$1
bin=$2
i=0
while [ "$i" -lt "$n" ]; do
	name=$("$bin/basename" "/srv/data/file$i.txt" .txt)
	echo "$name" | "$bin/cat" > /dev/null
	i=$("$bin/expr" "$i" + 1)
	"$bin/true"
done
