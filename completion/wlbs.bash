# bash completion for wlbs(8) and wlbsd(8).  -*- shell-script -*-
# SPDX-License-Identifier: GPL-2.0
#
# Nothing here lists a command or an option: wlbs's come from the wlbs being
# completed (`wlbs __complete`, built from the table `wlbs help` prints),
# wlbsd's from `wlbsd --help`. A new command or option completes as soon as
# the binary has it. Cluster IPs (TARGET, CLUSTER) come from the [cluster]
# ip = lines of $WLBS_CONF (default /etc/wlbs/wlbs.conf), when it is readable.
# Needs bash only, not the bash-completion package.

# The cluster IPs of the configuration, without /prefix, one a line.
_wlbs_vips()
{
	local conf=${WLBS_CONF:-/etc/wlbs/wlbs.conf}
	[[ -r $conf ]] || return 0
	awk '
	/^[ \t]*([;#]|$)/ { next }
	/^[ \t]*\[/ { s = tolower($0); gsub(/[][ \t]/, "", s); ip = 0; next }
	s != "cluster" { next }
	# A line at the left margin is a key; an indented one continues the key above.
	/^[^ \t]/ { ip = $0 ~ /^[iI][pP][ \t]*=/; sub(/^[^=]*=/, "") }
	ip {
		sub(/[ \t][;#].*/, "")
		n = split($0, a, /[ ,\t]+/)
		for (i = 1; i <= n; i++)
			if (a[i] != "") { sub(/\/.*/, "", a[i]); print a[i] }
	}' "$conf" 2>/dev/null
}

# COMPREPLY: the words of $1 that start with $cur. bash splits the word at
# ':' (COMP_WORDBREAKS), so only what follows the last ':' of $cur is replaced.
_wlbs_reply()
{
	local w
	COMPREPLY=()
	while IFS= read -r w; do
		[[ -n $w && $w == "$cur"* ]] || continue
		[[ $cur == *:* && $COMP_WORDBREAKS == *:* ]] && w=${w#"${cur%:*}":}
		[[ -n $w ]] && COMPREPLY+=("$w")
	done <<<"$1"
	# all: and VIP: wait for a port.
	[[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *: ]] && compopt -o nospace 2>/dev/null
	return 0
}

# The value of an option whose placeholder (or words a|b|c) is $1.
_wlbs_value()
{
	case $1 in
	FILE | PATH)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		;;
	DIR)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -d -- "$cur")
		;;
	VAR) mapfile -t COMPREPLY < <(compgen -e -- "$cur") ;;
	*'|'*) _wlbs_reply "${1//|/$'\n'}" ;;
	*) COMPREPLY=() ;; # a number
	esac
}

# TARGET and [VIP:]PORT: the forms of `wlbs help`, for each cluster IP.
_wlbs_targets()
{
	local v forms=""
	[[ $1 == TARGET ]] && forms=$'all\nall:\n'
	for v in $(_wlbs_vips); do
		[[ $v == *:* ]] && v="[$v]"
		if [[ $1 == TARGET ]]; then
			forms+="$v"$'\n'"$v:all"$'\n'
		fi
		forms+="$v:"$'\n'
	done
	_wlbs_reply "$forms"
}

_wlbs()
{
	local line=${COMP_LINE:0:COMP_POINT} wlbs cur prev cmd="" slot=0 i w
	local -a words args
	read -ra words <<<"$line"
	[[ -z $line || $line == *[[:space:]] ]] && words+=("")
	# bash passes the command's name ($1): with `sudo wlbs`, words[0] is sudo.
	wlbs=${1:-${words[0]}}
	cur=${words[-1]}
	prev=""
	[[ ${#words[@]} -gt 1 ]] && prev=${words[-2]}
	# --opt=value: bash completes the part after '=' (COMP_WORDBREAKS).
	[[ $cur == --*=* ]] && prev=${cur%%=*} && cur=${cur#*=}

	local opts
	opts=$("$wlbs" __complete options 2>/dev/null)
	# An option's value: its placeholder says what.
	if [[ $prev == --* ]]; then
		w=$(grep -- "^$prev " <<<"$opts" | cut -d' ' -f2)
		if [[ -n $w ]]; then
			_wlbs_value "$w"
			return 0
		fi
	fi
	# The command, then how many of its operands come before $cur.
	for ((i = 1; i < ${#words[@]} - 1; i++)); do
		w=${words[i]}
		if [[ $w == -* ]]; then
			grep -q "^${w%%=*} " <<<"$opts" && [[ $w != *=* ]] && ((i++))
		elif [[ -z $cmd ]]; then
			cmd=$w
		else
			((slot++))
		fi
	done
	if [[ $cur == -* ]]; then
		_wlbs_reply "$("$wlbs" __complete options ${cmd:+"$cmd"} 2>/dev/null | cut -d' ' -f1)"
		return 0
	fi
	if [[ -z $cmd ]]; then
		_wlbs_reply "$("$wlbs" __complete commands 2>/dev/null | cut -d' ' -f1)"
		return 0
	fi
	# The operands of the synopsis ("enable TARGET [CLUSTER[:HOST]]"), options left out.
	read -ra args <<<"$("$wlbs" __complete commands 2>/dev/null |
		awk -v c="$cmd" '$1 == c { $1 = ""; print }' | sed -e 's/\[--[^]]*\]//g')"
	w=${args[slot]:-}
	case ${w//[\[\]]/} in
	TARGET) _wlbs_targets TARGET ;;
	VIP:PORT) _wlbs_targets PORT ;;
	COMMAND) _wlbs_reply "$("$wlbs" __complete commands 2>/dev/null | cut -d' ' -f1)" ;;
	IP | CLUSTER:HOST) _wlbs_reply "$(_wlbs_vips)" ;;
	*) COMPREPLY=() ;;
	esac
	return 0
}

_wlbsd()
{
	local line=${COMP_LINE:0:COMP_POINT} help cur prev w
	local -a words
	read -ra words <<<"$line"
	[[ -z $line || $line == *[[:space:]] ]] && words+=("")
	cur=${words[-1]}
	prev=""
	[[ ${#words[@]} -gt 1 ]] && prev=${words[-2]}
	# --opt=value: bash completes the part after '=' (COMP_WORDBREAKS).
	[[ $cur == --*=* ]] && prev=${cur%%=*} && cur=${cur#*=}
	help=$("${1:-${words[0]}}" --help 2>/dev/null)
	# The usage lines name each option's value: [-c FILE], [--log-target auto|journal|stderr].
	if [[ $prev == -* ]]; then
		w=$(grep -o -- "$prev [A-Za-z|]*" <<<"$help" | head -n 1)
		w=${w#"$prev "}
		# FILE, DIR, PATH or words; not the description of an option without a value.
		if [[ $w =~ ^([A-Z]+|[a-z]+(\|[a-z]+)+)$ ]]; then
			_wlbs_value "$w"
			return 0
		fi
	fi
	COMPREPLY=()
	[[ $cur == -* ]] && _wlbs_reply "$(grep -o -- '--[a-z][a-z-]*' <<<"$help" | sort -u)"
	return 0
}

complete -F _wlbs wlbs
complete -F _wlbsd wlbsd
