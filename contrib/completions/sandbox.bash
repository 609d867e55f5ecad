# bash completion for sandbox(1).
# shellcheck shell=bash disable=SC2207 # COMPREPLY=($(compgen ...)) is the idiom
# Installed as $(datadir)/bash-completion/completions/sandbox; works on its own too (source it):
# it needs nothing of the bash-completion package.
#
# The options, which of them take arguments, and the values of the enumerated ones (`--net
# slirp|none|host`) come from the program's own --help, read once per shell: the option table
# in src/options.c is the one list, and a new option completes without an edit here. Only what
# --help cannot say (capability names, limits, files) is spelled out below.

# _sandbox_table PROGRAM [SUBCOMMAND]: "OPTION NARGS VALUES..." lines, from PROGRAM
# [SUBCOMMAND] --help, cached per PROGRAM and SUBCOMMAND.
_sandbox_table() {
    local key="$1 ${2-}"
    declare -gA _sandbox_tables
    if [[ -z ${_sandbox_tables[$key]+set} ]]; then
        _sandbox_tables[$key]=$(command "$1" ${2:+"$2"} --help 2>/dev/null | awk '
            # "  -p, --publish ARG", "      --bind SRC DST", "      --ro": the words up to two
            # spaces (where the description starts) are the option and its arguments.
            /^ +(-[A-Za-z], )?--[a-z]/ {
                line = $0; sub(/^ +/, "", line); sub(/  .*/, "", line)
                n = split(line, w, " "); short = ""
                if (w[1] ~ /^-[A-Za-z],$/) { short = substr(w[1], 1, 2); shift = 1 } else shift = 0
                long = w[1 + shift]; nargs = n - 1 - shift; values = ""
                if (nargs == 1 && w[n] ~ /^[a-z0-9-]+(\|[a-z0-9-]+)+$/) { values = w[n]; gsub(/\|/, " ", values) }
                print long, nargs, values
                if (short != "") print short, nargs, values
            }')
    fi
    printf '%s\n' "${_sandbox_tables[$key]}"
}

# The sub-commands: the "sandbox WORD" forms of the usage lines, cached per PROGRAM.
_sandbox_subcommands() {
    declare -gA _sandbox_tables
    local key="$1 subcommands"
    # "sandbox images | rmi IMAGE | doctor": the first word of each alternative.
    [[ -n ${_sandbox_tables[$key]+set} ]] || _sandbox_tables[$key]=$(command "$1" --help 2>/dev/null | awk '/^(Usage:)? *sandbox [a-z]/ {
        s = $0; sub(/^.*sandbox /, "", s); n = split(s, alt, /\|/)
        for (k = 1; k <= n; k++) { split(alt[k], w, " "); if (w[1] ~ /^[a-z]+$/) print w[1] } }
        # and those the usage may not list yet
        END { print "exec"; print "list"; print "images"; print "rmi"; print "doctor" }' | sort -u)
    printf '%s\n' "${_sandbox_tables[$key]}"
}

_sandbox_names() {
    # The running named sandboxes, for `sandbox exec NAME`.
    command "$1" list 2>/dev/null | awk 'NR > 1 || $1 != "NAME" { print $1 }'
}

# _sandbox_nargs TABLE OPTION: how many arguments OPTION takes (0 when unknown).
_sandbox_nargs() {
    awk -v o="$2" '$1 == o { print $2; f = 1; exit } END { if (!f) print 0 }' <<<"$1"
}

# _sandbox_files [-d]: files (or only directories) matching $cur, quoted as file names.
_sandbox_files() {
    compopt -o filenames 2>/dev/null
    local IFS=$'\n'
    COMPREPLY=($(compgen "${1:--f}" -- "$cur"))
}

_sandbox() {
    # What _init_completion would give, without needing bash-completion.
    local cur=${COMP_WORDS[COMP_CWORD]-} prev=${COMP_WORDS[COMP_CWORD - 1]-}
    local -a words=("${COMP_WORDS[@]}")
    local cword=$COMP_CWORD prog=${COMP_WORDS[0]}
    COMPREPLY=()

    local caps='CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP
        LINUX_IMMUTABLE NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER
        SYS_MODULE SYS_RAWIO SYS_CHROOT SYS_PTRACE SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE
        SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG MKNOD LEASE AUDIT_WRITE AUDIT_CONTROL SETFCAP
        MAC_OVERRIDE MAC_ADMIN SYSLOG WAKE_ALARM BLOCK_SUSPEND AUDIT_READ PERFMON BPF
        CHECKPOINT_RESTORE'
    local rlimits='AS CORE CPU DATA FSIZE LOCKS MEMLOCK MSGQUEUE NICE NOFILE NPROC RSS RTPRIO
        RTTIME SIGPENDING STACK'

    # The sub-command, and the index of its first non-option argument (ROOTFS or NAME).
    local cmd=run i=1 argpos=0 endopts=0 sub
    for sub in $(_sandbox_subcommands "$prog"); do
        [[ ${words[1]-} == "$sub" ]] && { cmd=$sub; i=2; }
    done
    local table
    if [[ $cmd == run ]]; then
        table=$(_sandbox_table "$prog")
    else
        table=$(_sandbox_table "$prog" "$cmd")
        # Builds without a sub-command --help: what they take.
        [[ -n $table || $cmd != exec ]] || table=$'--verbose 0\n-v 0\n--workdir 1\n-w 1\n--env 1\n-e 1\n--user 1'
        [[ -n $table || $cmd != list ]] || table='--json 0'
        [[ -n $table || $cmd != images ]] || table='--prune 0'
    fi

    for ((; i < cword; i++)); do
        if ((endopts)); then argpos=$i; break; fi
        case ${words[i]} in
        --) endopts=1 ;;
        -*) i=$((i + $(_sandbox_nargs "$table" "${words[i]}"))) ;;
        *) argpos=$i; break ;;
        esac
    done
    # Past ROOTFS (or NAME): COMMAND (after an optional --), then its arguments.
    if ((argpos > 0)); then
        local cmdpos=$((argpos + 1))
        [[ ${words[cmdpos]-} == -- ]] && ((cword > cmdpos)) && cmdpos=$((cmdpos + 1))
        if ((cword == cmdpos)); then
            COMPREPLY=($(compgen -c -- "$cur" | sort -u))
        else
            _sandbox_files
        fi
        return
    fi

    # An option's argument: the one being completed is which argument of which option?
    local j opt=
    for ((j = cword - 1; j >= 1 && j >= cword - 2; j--)); do
        local n
        n=$(_sandbox_nargs "$table" "${words[j]}")
        if [[ ${words[j]} == -* ]] && ((cword - j <= n)); then opt=${words[j]}; break; fi
    done
    if [[ -n $opt ]]; then
        local values
        values=$(awk -v o="$opt" '$1 == o { $1 = ""; $2 = ""; print }' <<<"$table")
        if [[ -n ${values// /} ]]; then
            COMPREPLY=($(compgen -W "$values" -- "$cur"))
            return
        fi
        case $opt in
        --cap-add) COMPREPLY=($(compgen -W "$caps" -- "${cur^^}")) ;;
        --cap-drop) COMPREPLY=($(compgen -W "ALL $caps" -- "${cur^^}")) ;;
        --rlimit) compopt -o nospace 2>/dev/null; COMPREPLY=($(compgen -W "$rlimits" -S = -- "${cur^^}")) ;;
        --env | -e) compopt -o nospace 2>/dev/null; COMPREPLY=($(compgen -e -- "$cur")) ;;
        --env-file) _sandbox_files ;;
        --entrypoint) COMPREPLY=($(compgen -c -- "$cur" | sort -u)) ;; # a command, as COMMAND
        --bind | --ro-bind | --bind-try | --ro-bind-try | --dev-bind | --file)
            # SRC on the host (or --file's FD); DST is a path inside the sandbox.
            [[ $opt == "$prev" ]] && _sandbox_files ;;
        esac
        return
    fi

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(awk '{ print $1 }' <<<"$table") --" -- "$cur"))
        return
    fi
    ((endopts)) || [[ $cmd != run ]] || ((cword != 1)) ||
        COMPREPLY=($(compgen -W "$(_sandbox_subcommands "$prog")" -- "$cur"))
    case $cmd in
    exec) COMPREPLY=($(compgen -W "$(_sandbox_names "$prog")" -- "$cur")) ;;
    rmi)
        # The cached images' names (the last column of `sandbox images`).
        COMPREPLY=($(compgen -W "$(command "$prog" images 2>/dev/null | awk 'NR > 1 { print $NF }')" -- "$cur")) ;;
    run)
        # ROOTFS: a directory or an image (with the sub-commands as the first word).
        local -a subs=("${COMPREPLY[@]}")
        _sandbox_files -d
        COMPREPLY+=("${subs[@]}" $(compgen -W 'oci:' -- "$cur")) ;;
    esac
} &&
    complete -F _sandbox sandbox
