# fish completion for sandbox(1). Installed in $(datadir)/fish/vendor_completions.d.
# As in the bash and zsh completions, the options, whether they take an argument, their
# descriptions and the values of the enumerated ones come from `sandbox --help` (the one
# option table); only capability names, limits and file arguments are spelled out here.

set -l caps CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP \
    LINUX_IMMUTABLE NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER \
    SYS_MODULE SYS_RAWIO SYS_CHROOT SYS_PTRACE SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE \
    SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG MKNOD LEASE AUDIT_WRITE AUDIT_CONTROL SETFCAP \
    MAC_OVERRIDE MAC_ADMIN SYSLOG WAKE_ALARM BLOCK_SUSPEND AUDIT_READ PERFMON BPF \
    CHECKPOINT_RESTORE
set -l rlimits AS CORE CPU DATA FSIZE LOCKS MEMLOCK MSGQUEUE NICE NOFILE NPROC RSS RTPRIO \
    RTTIME SIGPENDING STACK

set -l help (command sandbox --help 2>/dev/null)
set -l subs
for line in $help
    # "sandbox images | rmi IMAGE | doctor": the first word of each alternative.
    if string match -qr '^(Usage:)? *sandbox [a-z]' -- $line
        for alt in (string split '|' -- (string replace -r '^.*sandbox ' '' -- $line))
            set -l w (string split -n ' ' -- $alt)
            string match -qr '^[a-z]+$' -- $w[1]; and set -a subs $w[1]
        end
    end
end
set subs (printf '%s\n' $subs | sort -u)

# Before a ROOTFS (a directory or a sub-command) or NAME: the sandbox's own options.
complete -c sandbox -n "not __fish_seen_subcommand_from $subs" -x \
    -a "(__fish_complete_directories; printf '%s\tsub-command\n' $subs)"
complete -c sandbox -n "__fish_seen_subcommand_from exec" -x \
    -a "(command sandbox list 2>/dev/null | awk 'NR > 1 || \$1 != \"NAME\" { print \$1 }')"

for line in $help
    # "  -p, --publish ARG   description"
    string match -rq '^ +(?:-(?<short>[A-Za-z]), )?--(?<long>[a-z][a-z-]*)(?<arglist>(?: [^ ]+)*)(?:  +(?<desc>.*))?$' -- $line
    or continue
    set -l args (string split -n ' ' -- $arglist)
    set -l spec -c sandbox -l $long -d "$desc"
    test -n "$short"; and set -a spec -s $short
    switch $long
        case cap-add
            set -a spec -x -a "$caps"
        case cap-drop
            set -a spec -x -a "ALL $caps"
        case rlimit
            set -a spec -x -a "(string join \n -- $rlimits | string replace -r '\$' =)"
        case bind ro-bind bind-try ro-bind-try dev-bind file env-file
            set -a spec -r -F
        case entrypoint
            set -a spec -x -a "(__fish_complete_command)"
        case '*'
            if test (count $args) -eq 1; and string match -qr '^[a-z0-9-]+(\|[a-z0-9-]+)+$' -- $args[1]
                set -a spec -x -a (string replace -a '|' ' ' -- $args[1])
            else if test (count $args) -ge 1
                set -a spec -x
            end
    end
    complete $spec
end
