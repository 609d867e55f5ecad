# bash completion for sandbox(1).
# shellcheck shell=bash disable=SC2207 # COMPREPLY=($(compgen ...)) is the idiom
# Install as /usr/share/bash-completion/completions/sandbox (needs the bash-completion package),
# or source it after bash-completion.

_sandbox_names() {
    # The running named sandboxes, for `sandbox exec NAME`.
    sandbox list 2>/dev/null | awk 'NR > 1 || $1 != "NAME" { print $1 }'
}

_sandbox() {
    local cur prev words cword
    _init_completion || return

    local run_opts='--help -h --version -V --verbose -v --map --user --hostname --net --mtu
        --publish -p --allow-host-loopback --ro --overlay --tmp-size --bind --ro-bind --tmpfs
        --workdir -w --env -e --name --timeout --no-tty --cap-add --cap-drop --seccomp --rlimit
        --memory --pids --cpus --cgroupfs --status-fd --'
    local exec_opts='--verbose -v --workdir -w --env -e --user --'
    local caps='CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP
        LINUX_IMMUTABLE NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER
        SYS_MODULE SYS_RAWIO SYS_CHROOT SYS_PTRACE SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE
        SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG MKNOD LEASE AUDIT_WRITE AUDIT_CONTROL SETFCAP
        MAC_OVERRIDE MAC_ADMIN SYSLOG WAKE_ALARM BLOCK_SUSPEND AUDIT_READ PERFMON BPF
        CHECKPOINT_RESTORE'
    local rlimits='AS CORE CPU DATA FSIZE LOCKS MEMLOCK MSGQUEUE NICE NOFILE NPROC RSS RTPRIO
        RTTIME SIGPENDING STACK'

    # The sub-command, and the index of its first non-option argument (ROOTFS or NAME).
    local cmd=run i=1 argpos=0 endopts=0
    case ${words[1]-} in
    exec | list | images | rmi) cmd=${words[1]}; i=2 ;;
    esac
    for ((; i < cword; i++)); do
        if ((endopts)); then argpos=$i; break; fi
        case ${words[i]} in
        --) endopts=1 ;;
        --bind | --ro-bind) i=$((i + 2)) ;;
        --map | --user | --hostname | --net | --mtu | --publish | -p | --tmp-size | --tmpfs | \
            --workdir | -w | --env | -e | --name | --timeout | --cap-add | --cap-drop | --seccomp | \
            --rlimit | --memory | --pids | --cpus | --cgroupfs | --status-fd) i=$((i + 1)) ;;
        -*) ;;
        *) argpos=$i; break ;;
        esac
    done
    # Past ROOTFS (or NAME): COMMAND (after an optional --), then its arguments.
    if ((argpos > 0)); then
        local cmdpos=$((argpos + 1))
        [[ ${words[cmdpos]-} == -- ]] && ((cword > cmdpos)) && cmdpos=$((cmdpos + 1))
        if ((cword == cmdpos)); then
            COMPREPLY=($(compgen -c -- "$cur"))
        else
            _filedir
        fi
        return
    fi
    if ((endopts)); then
        [[ $cmd == run ]] && _filedir -d
        [[ $cmd == exec ]] && COMPREPLY=($(compgen -W "$(_sandbox_names)" -- "$cur"))
        return
    fi

    # The second argument of --bind/--ro-bind (DST inside the sandbox): no completion.
    if ((cword >= 2)) && [[ ${words[cword - 2]} == --bind || ${words[cword - 2]} == --ro-bind ]]; then
        return
    fi

    case $prev in
    --map) COMPREPLY=($(compgen -W 'auto self' -- "$cur")); return ;;
    --net) COMPREPLY=($(compgen -W 'slirp none host' -- "$cur")); return ;;
    --seccomp) COMPREPLY=($(compgen -W 'default none' -- "$cur")); return ;;
    --cgroupfs) COMPREPLY=($(compgen -W 'ro rw none' -- "$cur")); return ;;
    --cap-add) COMPREPLY=($(compgen -W "$caps" -- "${cur^^}")); return ;;
    --cap-drop) COMPREPLY=($(compgen -W "ALL $caps" -- "${cur^^}")); return ;;
    --rlimit) compopt -o nospace; COMPREPLY=($(compgen -W "$rlimits" -S = -- "${cur^^}")); return ;;
    --bind | --ro-bind) _filedir; return ;;
    --env | -e) compopt -o nospace; COMPREPLY=($(compgen -e -- "$cur")); return ;;
    --user | --hostname | --mtu | --publish | -p | --tmp-size | --tmpfs | --workdir | -w | \
        --name | --timeout | --memory | --pids | --cpus | --status-fd)
        return ;;
    esac

    case $cmd in
    list)
        COMPREPLY=($(compgen -W '--json' -- "$cur")) ;;
    images)
        COMPREPLY=($(compgen -W '--prune' -- "$cur")) ;;
    rmi)
        # The cached images' names (the last column of `sandbox images`).
        COMPREPLY=($(compgen -W "$(sandbox images 2>/dev/null | awk 'NR > 1 { print $NF }')" -- "$cur")) ;;
    exec)
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "$exec_opts" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$(_sandbox_names)" -- "$cur"))
        fi ;;
    run)
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "$run_opts" -- "$cur"))
        else
            # ROOTFS: a directory; the sub-commands as the first word.
            _filedir -d
            ((cword == 1)) && COMPREPLY+=($(compgen -W 'exec list images rmi oci: oci-archive: docker-archive: docker://' -- "$cur"))
        fi ;;
    esac
} &&
    complete -F _sandbox sandbox
