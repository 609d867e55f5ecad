#!/usr/bin/env python3
"""mkimage.py: build a container image by hand for the image tests (no network, no podman).

  mkimage.py oci DIR [options] LAYER...        an OCI image layout in DIR (added to an existing
                                               one: a second image gets its own --tag)
  mkimage.py docker-archive FILE [options] LAYER...   what `docker save` writes
  options: --tag T, --config JSON (the "config" object: Entrypoint, Cmd...), --compress
           gzip|zstd|none (default gzip)
  LAYER:   a directory (its files tarred with owner 0, or the owners of --chown PATH=UID:GID),
           or a file ending in .tar used as it is (a hand-made hostile tar)
"""
import argparse, gzip, hashlib, io, json, os, subprocess, sys, tarfile


def tar_dir(d, chown):
    buf = io.BytesIO()
    def fix(ti):
        rel = ti.name[2:] if ti.name.startswith('./') else ti.name
        uid, gid = chown.get(rel, (0, 0))
        ti.uid, ti.gid, ti.uname, ti.gname = uid, gid, '', ''
        return ti
    with tarfile.open(fileobj=buf, mode='w', format=tarfile.PAX_FORMAT) as t:
        for name in sorted(os.listdir(d)):
            t.add(os.path.join(d, name), arcname=name, filter=fix)
    return buf.getvalue()


def compress(data, how):
    if how == 'gzip':
        return gzip.compress(data, mtime=0), 'application/vnd.oci.image.layer.v1.tar+gzip'
    if how == 'zstd':
        return subprocess.run(['zstd', '-q', '-c'], input=data, stdout=subprocess.PIPE, check=True).stdout, \
            'application/vnd.oci.image.layer.v1.tar+zstd'
    return data, 'application/vnd.oci.image.layer.v1.tar'


def put_blob(root, data):
    h = hashlib.sha256(data).hexdigest()
    os.makedirs(os.path.join(root, 'blobs', 'sha256'), exist_ok=True)
    with open(os.path.join(root, 'blobs', 'sha256', h), 'wb') as f:
        f.write(data)
    return 'sha256:' + h


def main():
    p = argparse.ArgumentParser()
    p.add_argument('kind', choices=['oci', 'docker-archive'])
    p.add_argument('out')
    p.add_argument('--tag')
    p.add_argument('--config', default='{}')
    p.add_argument('--compress', default='gzip')
    p.add_argument('--chown', action='append', default=[])
    p.add_argument('layers', nargs='+')
    a = p.parse_args()
    chown = {}
    for c in a.chown:
        path, ids = c.split('=')
        u, g = ids.split(':')
        chown[path] = (int(u), int(g))
    raw = []
    for l in a.layers:
        raw.append(open(l, 'rb').read() if l.endswith('.tar') else tar_dir(l, chown))
    diff_ids = ['sha256:' + hashlib.sha256(r).hexdigest() for r in raw]
    config = json.dumps({'architecture': {'x86_64': 'amd64', 'aarch64': 'arm64'}.get(os.uname().machine,
                                                                                     os.uname().machine),
                         'os': 'linux', 'config': json.loads(a.config),
                         'rootfs': {'type': 'layers', 'diff_ids': diff_ids}}).encode()
    if a.kind == 'docker-archive':
        with tarfile.open(a.out, 'w') as t:
            def add(name, data):
                ti = tarfile.TarInfo(name)
                ti.size = len(data)
                t.addfile(ti, io.BytesIO(data))
            cfgname = hashlib.sha256(config).hexdigest() + '.json'
            add(cfgname, config)
            names = []
            for r in raw:
                n = hashlib.sha256(r).hexdigest() + '/layer.tar'
                add(n, r)
                names.append(n)
            add('manifest.json', json.dumps([{'Config': cfgname, 'RepoTags': [a.tag or 'localhost/test:latest'],
                                              'Layers': names}]).encode())
        return
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, 'oci-layout'), 'w') as f:
        f.write('{"imageLayoutVersion": "1.0.0"}')
    layers = []
    for r in raw:
        data, mt = compress(r, a.compress)
        layers.append({'mediaType': mt, 'digest': put_blob(a.out, data), 'size': len(data)})
    cd = put_blob(a.out, config)
    manifest = json.dumps({'schemaVersion': 2, 'mediaType': 'application/vnd.oci.image.manifest.v1+json',
                           'config': {'mediaType': 'application/vnd.oci.image.config.v1+json', 'digest': cd,
                                      'size': len(config)}, 'layers': layers}).encode()
    md = put_blob(a.out, manifest)
    idx_path = os.path.join(a.out, 'index.json')
    index = json.load(open(idx_path)) if os.path.exists(idx_path) else {'schemaVersion': 2, 'manifests': []}
    desc = {'mediaType': 'application/vnd.oci.image.manifest.v1+json', 'digest': md, 'size': len(manifest)}
    if a.tag:
        desc['annotations'] = {'org.opencontainers.image.ref.name': a.tag}
    index['manifests'].append(desc)
    with open(idx_path, 'w') as f:
        json.dump(index, f)


main()
