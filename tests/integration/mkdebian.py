#!/usr/bin/env python3
"""mkdebian.py: a small real Debian image layer, made offline from this host's own packages.

  mkdebian.py LAYER.tar    the layer (an uncompressed tar with numeric owners), for mkimage.py
  mkdebian.py --key        what the layer is made from (package versions and this script): a
                           layer built under the same key is the same, so a test may keep it

The image holds dpkg, apt and the shell tools they run, with the shared libraries they need (the
ldd closure, mapped back to packages), each package's files as the host has them (no
documentation), a /var/lib/dpkg/status with those packages' stanzas, and Debian's system users
including _apt (uid 42, group nogroup 65534). Owners are Debian's: apt's partial directories
belong to _apt, /etc/shadow to group shadow (42), so the image needs its owners kept to work.

It is a test image, not a Debian installation: the stanzas lose their relation fields (Depends,
Breaks...), since the packages those name are not all in the image and apt would otherwise call
the system broken. Nothing here needs root: owners are written into the tar, never chowned.
"""
import glob, hashlib, io, os, re, shutil, subprocess, sys, tarfile

# What dpkg -i and apt-get install/remove of a local .deb run: dpkg checks its PATH for sh, rm,
# tar, diff, ldconfig and start-stop-daemon before it does anything.
PACKAGES = ['base-files', 'dpkg', 'apt', 'bash', 'dash', 'coreutils', 'tar', 'gzip', 'diffutils', 'libc-bin',
            'sed', 'grep', 'findutils']
SKIP_PREFIXES = ('/usr/share/doc/', '/usr/share/man/', '/usr/share/info/', '/usr/share/locale/',
                 '/usr/share/lintian/', '/usr/share/bash-completion/', '/usr/share/zsh/',
                 '/usr/lib/x86_64-linux-gnu/gconv/', '/usr/lib/aarch64-linux-gnu/gconv/')
# apt's network methods (http is the one binary; the others link to it) would pull in gnutls.
APT_METHODS = {'copy', 'file', 'gpgv', 'rred', 'store'}
RELATIONS = ('Depends', 'Pre-Depends', 'Recommends', 'Suggests', 'Breaks', 'Conflicts', 'Replaces', 'Enhances')
INFO = '/var/lib/dpkg/info'
# ldconfig is in /sbin, which a normal user's PATH lacks on Debian (make check run as oneself).
LDCONFIG = shutil.which('ldconfig', path=os.environ.get('PATH', os.defpath) + ':/usr/sbin:/sbin') or 'ldconfig'
ABI = {'x86_64': 'libc6,x86-64', 'aarch64': 'libc6,AArch64'}.get(os.uname().machine, 'libc6')

PASSWD = """root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
bin:x:2:2:bin:/bin:/usr/sbin/nologin
sys:x:3:3:sys:/dev:/usr/sbin/nologin
sync:x:4:65534:sync:/bin:/bin/sync
man:x:6:12:man:/var/cache/man:/usr/sbin/nologin
mail:x:8:8:mail:/var/mail:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
_apt:x:42:65534::/nonexistent:/usr/sbin/nologin
"""
GROUP = """root:x:0:
daemon:x:1:
bin:x:2:
sys:x:3:
adm:x:4:
tty:x:5:
disk:x:6:
mail:x:8:
man:x:12:
shadow:x:42:
staff:x:50:
users:x:100:
nogroup:x:65534:
"""
SHADOW = "".join(line.split(':')[0] + ':*:19000:0:99999:7:::\n' for line in PASSWD.splitlines())
# (path, mode, uid, gid) of what is not a package's file, or has other owners than root's.
DIRS = [('/tmp', 0o1777, 0, 0), ('/root', 0o700, 0, 0), ('/proc', 0o555, 0, 0), ('/sys', 0o555, 0, 0),
        ('/dev', 0o755, 0, 0), ('/run', 0o755, 0, 0), ('/home', 0o755, 0, 0),
        ('/var/lib/dpkg/updates', 0o755, 0, 0), ('/var/lib/dpkg/triggers', 0o755, 0, 0),
        ('/var/lib/dpkg/alternatives', 0o755, 0, 0), ('/var/log/apt', 0o755, 0, 0),
        ('/var/cache/apt/archives/partial', 0o700, 42, 0), ('/var/lib/apt/lists/partial', 0o700, 42, 0),
        ('/etc/apt/sources.list.d', 0o755, 0, 0), ('/etc/apt/apt.conf.d', 0o755, 0, 0)]
FILES = [('/etc/passwd', 0o644, 0, 0, PASSWD), ('/etc/group', 0o644, 0, 0, GROUP),
         ('/etc/shadow', 0o640, 0, 42, SHADOW), ('/etc/nsswitch.conf', 0o644, 0, 0,
                                                  'passwd: files\ngroup: files\nshadow: files\n'),
         ('/etc/hostname', 0o644, 0, 0, 'debian\n'), ('/var/lib/dpkg/available', 0o644, 0, 0, ''),
         ('/var/lib/dpkg/diversions', 0o644, 0, 0, ''), ('/var/lib/dpkg/statoverride', 0o644, 0, 0, ''),
         ('/var/lib/dpkg/triggers/File', 0o644, 0, 0, ''), ('/var/lib/dpkg/triggers/Unincorp', 0o644, 0, 0, '')]


TOP_LINKS = {}


def canonical(path):
    """The path with a first component that is a symlink on the host (merged /usr) resolved."""
    parts = path.split('/', 2)
    if len(parts) < 3:
        return path
    if parts[1] not in TOP_LINKS:
        top = '/' + parts[1]
        TOP_LINKS[parts[1]] = os.readlink(top) if os.path.islink(top) else None
    link = TOP_LINKS[parts[1]]
    return os.path.normpath('/' + link + '/' + parts[2]) if link else path


# This host's own architecture: with a foreign one installed too (multiarch: libc6:i386 next to
# libc6:amd64), a package name has two list files and two status stanzas; the image takes the
# native ones.
ARCH = subprocess.run(['dpkg', '--print-architecture'], stdout=subprocess.PIPE, text=True).stdout.strip()


def list_files():
    """Every installed package's list file of this architecture: name (without :arch) -> file."""
    lists = {}
    for f in glob.glob(INFO + '/*.list'):
        name, _, arch = os.path.basename(f)[:-5].partition(':')
        if arch in ('', ARCH):
            lists[name] = f
    return lists


def package_files(lists, pkg):
    with open(lists[pkg]) as f:
        return [canonical(p.rstrip('\n')) for p in f if p.startswith('/')]


def wanted(path):
    if path.startswith(SKIP_PREFIXES):
        return False
    if path.startswith('/usr/lib/apt/methods/'):
        return os.path.basename(path) in APT_METHODS
    return True


def is_elf(path):
    try:
        with open(path, 'rb') as f:
            return not os.path.islink(path) and f.read(4) == b'\x7fELF'
    except OSError:
        return False


def closure(lists):
    """PACKAGES and the packages holding the shared libraries their programs load."""
    owner = {}
    for pkg in lists:
        for p in package_files(lists, pkg):
            owner.setdefault(p, pkg)
    # soname -> file, as the dynamic loader finds it (of this machine's own ABI only)
    libs = {}
    for line in subprocess.run([LDCONFIG, '-p'], stdout=subprocess.PIPE, text=True).stdout.splitlines()[1:]:
        m = re.match(r'\s*(\S+) \(([^)]*)\) => (\S+)$', line)
        if m and m.group(2).split(', ')[0] == ABI:
            libs.setdefault(m.group(1), m.group(3))
    pkgs, todo = set(), list(PACKAGES)
    while todo:
        pkg = todo.pop()
        if pkg in pkgs:
            continue
        pkgs.add(pkg)
        elves = [p for p in package_files(lists, pkg) if wanted(p) and os.path.isfile(p) and is_elf(p)]
        if not elves:
            continue
        out = subprocess.run(['readelf', '-dW'] + elves, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             text=True).stdout
        for soname in set(re.findall(r'\(NEEDED\)\s+Shared library: \[([^]]+)\]', out)):
            lib = libs.get(soname)
            dep = lib and (owner.get(canonical(lib)) or owner.get(canonical(os.path.realpath(lib))))
            if dep and dep not in pkgs:
                todo.append(dep)
    return sorted(pkgs)


def status_stanzas(pkgs):
    with open('/var/lib/dpkg/status') as f:
        stanzas = f.read().split('\n\n')
    out = []
    for s in stanzas:
        lines = s.strip('\n').split('\n')
        name = next((l[9:] for l in lines if l.startswith('Package: ')), None)
        if name not in pkgs or 'Status: install ok installed' not in lines:
            continue
        if not ({'Architecture: ' + ARCH, 'Architecture: all'} & set(lines)):
            continue
        kept, skip = [], False
        for l in lines:
            if not l.startswith((' ', '\t')):
                skip = l.split(':')[0] in RELATIONS
            if not skip:
                kept.append(l)
        out.append('\n'.join(kept) + '\n')
    return '\n'.join(out)


def key(lists):
    h = hashlib.sha256(open(__file__, 'rb').read())
    for pkg in sorted(PACKAGES):
        h.update(open(lists[pkg], 'rb').read() if pkg in lists else b'-')
    h.update(subprocess.run(['dpkg-query', '-W'], stdout=subprocess.PIPE).stdout)
    return h.hexdigest()[:16]


def main():
    lists = list_files()
    missing = [p for p in PACKAGES if p not in lists]
    if missing:
        sys.exit('mkdebian.py: not installed on this host: ' + ' '.join(missing))
    if sys.argv[1] == '--key':
        print(key(lists))
        return
    pkgs = closure(lists)
    entries = {}
    for top in ('bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32'):
        if os.path.islink('/' + top) and os.path.exists('/' + top):
            entries['/' + top] = ('link', os.readlink('/' + top))
    for pkg in pkgs:
        for p in package_files(lists, pkg):
            if wanted(p) and os.path.lexists(p) and p not in entries:
                entries[p] = ('host', p)
        for f in glob.glob('%s/%s.*' % (INFO, pkg)) + glob.glob('%s/%s:*.*' % (INFO, pkg)):
            if f.endswith(('.list', '.md5sums', '.conffiles')):
                entries[f] = ('host', f)
    t = tarfile.open(sys.argv[1], 'w', format=tarfile.PAX_FORMAT)

    def add(ti, data=None):
        ti.uname = ti.gname = ''
        t.addfile(ti, io.BytesIO(data) if data is not None else None)

    made = set()

    def parents(path):
        d = os.path.dirname(path)
        if d in ('/', '') or d in made:
            return
        parents(d)
        made.add(d)
        if d in entries:
            return
        ti = tarfile.TarInfo(d[1:])
        ti.type, ti.mode = tarfile.DIRTYPE, 0o755
        add(ti)

    special = {d[0]: d for d in DIRS}
    for path in sorted(set(entries) | set(special)):
        parents(path)
        if path in special:
            _, mode, uid, gid = special[path]
            ti = tarfile.TarInfo(path[1:])
            ti.type, ti.mode, ti.uid, ti.gid = tarfile.DIRTYPE, mode, uid, gid
            add(ti)
            made.add(path)
            continue
        kind, what = entries[path]
        if kind == 'link':
            ti = tarfile.TarInfo(path[1:])
            ti.type, ti.linkname = tarfile.SYMTYPE, what
            add(ti)
            made.add(path)
            continue
        st = os.lstat(what)
        ti = t.gettarinfo(what, arcname=path[1:])
        if ti is None:
            continue
        ti.uid = ti.gid = 0
        ti.mtime = int(st.st_mtime)
        if ti.isreg():
            with open(what, 'rb') as f:
                add(ti, f.read())
        elif ti.isdir() or ti.issym() or ti.islnk():
            if ti.isdir() and path in made:
                continue
            add(ti)
        if ti.isdir():
            made.add(path)
    for path, mode, uid, gid, text in FILES + [('/var/lib/dpkg/status', 0o644, 0, 0, status_stanzas(pkgs))]:
        parents(path)
        data = text.encode()
        ti = tarfile.TarInfo(path[1:])
        ti.mode, ti.uid, ti.gid, ti.size = mode, uid, gid, len(data)
        add(ti, data)
    t.close()


main()
