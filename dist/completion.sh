#!/bin/sh
# completion.sh BODYCAM - prints bash completion for bodycam, made from
# what the program says of itself: the command table as 'bodycam --help'
# lists it, each command's sub-commands (the words after "bodycam CMD" in
# its usage lines) and long options ('bodycam CMD --help'), and which
# options take a file (their placeholder: FILE, KEY, DIR, PATH...).
# The Makefile runs it on the bodycam it built; make install puts the
# result in share/bash-completion/completions/bodycam.
set -eu
bc=$1

cmds=$("$bc" --help | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p')
[ -n "$cmds" ] || { echo "completion.sh: $bc --help lists no command" >&2;
    exit 1; }
globals="--catalog --json --quiet --help --version"

# options whose argument is a file or folder, from every help text
fileopts=$( { "$bc" --help; for c in $cmds; do "$bc" "$c" --help; done; } |
    grep -o -E -- '--[a-z][a-z-]* \[?[A-Z][A-Za-z0-9_.]*' |
    grep -E ' \[?[A-Z.]*(FILE|KEY|DIR|PATH|PUB|CERT|OLD|NEW|BUNDLE)' |
    cut -d' ' -f1 | sort -u | tr '\n' '|' | sed 's/|$//')

cat <<EOF
# bash completion for bodycam(1): made by dist/completion.sh from the
# program's own --help (do not edit; 'make' makes it again)
_bodycam()
{
	local cur prev cmd i words subs
	cur=\${COMP_WORDS[COMP_CWORD]}
	prev=\${COMP_WORDS[COMP_CWORD-1]}
	cmd=""
	i=1
	while [ \$i -lt \$COMP_CWORD ]; do
		case \${COMP_WORDS[i]} in
		--catalog) i=\$((i + 1)) ;;
		-*) ;;
		*) cmd=\${COMP_WORDS[i]}; break ;;
		esac
		i=\$((i + 1))
	done
	case \$prev in
	$fileopts)
		COMPREPLY=(\$(compgen -f -- "\$cur"))
		return ;;
	esac
	if [ -z "\$cmd" ]; then
		COMPREPLY=(\$(compgen -W "$(echo $cmds) $globals" -- "\$cur"))
		return
	fi
	case \$cmd in
EOF
for c in $cmds; do
	help=$("$bc" "$c" --help)
	opts=$( { printf '%s\n' "$help" | grep -o -- '--[a-z][a-z-]*';
	    printf '%s\n' $globals; } | sort -u | tr '\n' ' ' | sed 's/ $//')
	subs=$(printf '%s\n' "$help" |
	    sed -n "s/^\(usage: \|       \)bodycam $c \([a-z][a-z-]*\)\( .*\)\{0,1\}$/\2/p" |
	    sort -u | tr '\n' ' ' | sed 's/ $//')
	printf '\t%s)\n\t\twords="%s"\n\t\tsubs="%s" ;;\n' "$c" "$opts" "$subs"
done
cat <<EOF
	*)
		words="$globals"
		subs="" ;;
	esac
	if [[ \$cur == -* ]]; then
		COMPREPLY=(\$(compgen -W "\$words" -- "\$cur"))
	elif [ -n "\$subs" ] && [ "\$prev" = "\$cmd" ]; then
		COMPREPLY=(\$(compgen -W "\$subs" -- "\$cur"))
	else
		COMPREPLY=(\$(compgen -f -- "\$cur"))
	fi
}
complete -F _bodycam bodycam
EOF
