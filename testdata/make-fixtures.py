#!/usr/bin/env python3
"""Regenerates the hand-made fixtures under testdata/kinds/, bad/, hostile/ and elf/.

    python3 testdata/make-fixtures.py

kinds/: small release layouts, one per tool relpack recognises (distillery, exrm, relx, and a mix
umbrella), each as a directory and as a tarball. They hold the files and markers each tool writes
(see the comments below), with stub binaries: they are for reading and planning, not for running.
bad/: inputs relpack must refuse: hostile tarballs (path traversal, escaping links, devices, a
decompression bomb) and directories that are not releases.
hostile/: inputs built to attack the build machine through relpack (see the table in README.md,
"What relpack trusts"): releases whose ELF loader, #! line, DT_NEEDED or .rel names a file of
the machine (/etc/shadow, /proc/self/environ, ...), docker-archive and OCI-layout bases whose
manifests or blobs point outside the archive; made from the demo release's heart executable and
crypto NIF, so run make-demo-release.sh first when that changes.
elf/: shared objects cut from the demo release (releases/demo-0.1.0.tar.gz, so run
make-demo-release.sh first when that changes): one whose DT_NEEDED names a library that exists
nowhere (libcrypxo.so.3), and one cut short inside its headers.
The output is deterministic (fixed mtimes, sorted entries), so rerunning it changes nothing.
"""
import gzip
import io
import os
import shutil
import stat
import tarfile

HERE = os.path.dirname(os.path.abspath(__file__))
MTIME = 1700000000


def write(root, path, text="", mode=0o644):
    full = os.path.join(root, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w") as f:
        f.write(text)
    os.chmod(full, mode)


def app(root, name, vsn, modules=("",)):
    write(root, f"lib/{name}-{vsn}/ebin/{name}.app",
          f'{{application,{name},[{{vsn,"{vsn}"}},{{modules,[]}}]}}.\n')
    for m in modules:
        if m:
            write(root, f"lib/{name}-{vsn}/ebin/{m}.beam", f"FOR1 stub beam {m}\n")


def erts(root, vsn):
    write(root, f"erts-{vsn}/bin/erl", "#!/bin/sh\nexec \"$BINDIR/erlexec\" \"$@\"\n", 0o755)
    write(root, f"erts-{vsn}/bin/beam.smp", "stub emulator\n", 0o755)


def rel_file(name, vsn, erts_vsn, apps, three=False):
    entries = ",\n  ".join(
        f'{{{a},"{v}",permanent}}' if three else f'{{{a},"{v}"}}' for a, v in apps)
    return f'{{release,{{"{name}","{vsn}"}},\n {{erts,"{erts_vsn}"}},\n [{entries}]}}.\n'


def releases_file(name, vsn, erts_vsn, apps):
    entries = ",".join(f'{{{a},"{v}","./lib/{a}-{v}"}}' for a, v in apps)
    return f'%% coding: utf-8\n[{{release,"{name}","{vsn}","{erts_vsn}",[{entries}],permanent}}].\n'


def distillery(root):
    # distillery 2.1: bin/NAME hands over to bin/NAME_rc_exec.sh (bash); libexec/ under releases/VSN
    name, vsn, ev = "shop", "0.2.0", "10.2.2"
    apps = [("kernel", "6.2"), ("stdlib", "3.7"), ("elixir", "1.8.0"), ("logger", "1.8.0"),
            ("jason", "1.1.2"), ("shop", "0.2.0")]
    for a, v in apps:
        app(root, a, v, (f"{a}_mod",))
    write(root, "lib/shop-0.2.0/consolidated/Elixir.Enumerable.beam", "stub\n")
    erts(root, ev)
    write(root, f"bin/{name}", f"#!/bin/sh\nset -e\nexec \"$(dirname \"$0\")/{name}_rc_exec.sh\" \"$@\"\n", 0o755)
    write(root, f"bin/{name}_rc_exec.sh", "#!/usr/bin/env bash\nRELEASE_MUTABLE_DIR=\"${RELEASE_MUTABLE_DIR:-$RELEASE_ROOT_DIR/var}\"\n", 0o755)
    write(root, "releases/start_erl.data", f"{ev} {vsn}")
    write(root, "releases/RELEASES", releases_file(name, vsn, ev, apps))
    write(root, f"releases/{vsn}/{name}.rel", rel_file(name, vsn, ev, apps))
    write(root, f"releases/{vsn}/{name}.sh", "#!/usr/bin/env bash\n# distillery main script\n", 0o755)
    write(root, f"releases/{vsn}/libexec/env.sh", "#!/usr/bin/env bash\n")
    write(root, f"releases/{vsn}/vm.args", f"-name {name}@127.0.0.1\n-setcookie stub\n")
    write(root, f"releases/{vsn}/sys.config", "[].\n")
    write(root, f"releases/{vsn}/{name}.boot", "stub boot\n")
    # left behind by a local run and by packaging: must not reach the image
    write(root, "var/vm.args", "-name shop@127.0.0.1\n")
    write(root, f"releases/{vsn}/{name}.tar.gz", "stub tarball\n")


def exrm(root):
    # exrm 1.0: bin/NAME boot shim, bin/nodetool, main script releases/VSN/NAME.sh with running-config
    name, vsn, ev = "legacy", "1.4.0", "7.3"
    apps = [("kernel", "4.2"), ("stdlib", "2.8"), ("elixir", "1.2.6"), ("logger", "1.2.6"),
            ("poison", "2.2.0"), ("legacy", "1.4.0")]
    for a, v in apps:
        app(root, a, v, (f"{a}_mod",))
    erts(root, ev)
    write(root, f"bin/{name}", "#!/bin/sh\nSTART_ERL=`cat releases/start_erl.data`\n", 0o755)
    write(root, "bin/nodetool", "#!/usr/bin/env escript\n", 0o755)
    write(root, "bin/install_upgrade.escript", "#!/usr/bin/env escript\n", 0o755)
    write(root, "releases/start_erl.data", f"{ev} {vsn}")
    write(root, "releases/RELEASES", releases_file(name, vsn, ev, apps))
    write(root, f"releases/{vsn}/{name}.rel", rel_file(name, vsn, ev, apps))
    write(root, f"releases/{vsn}/{name}.sh",
          "#!/bin/sh\nGENERATED_CONFIG_DIR=\"$RELEASE_ROOT_DIR/running-config\"\nrelx_nodetool() { :; }\n", 0o755)
    write(root, f"releases/{vsn}/{name}.boot", "stub boot\n")
    write(root, f"releases/{vsn}/sys.config", "[].\n")
    write(root, f"releases/{vsn}/vm.args", f"-name {name}@127.0.0.1\n")
    write(root, "log/erlang.log.1", "left by a local run\n")


def relx(root):
    # relx 4 (rebar3): bin/NAME and bin/NAME-VSN are the same extended script with RELX_ variables
    name, vsn, ev = "api", "3.1.0", "13.1.5"
    apps = [("kernel", "8.5.3"), ("stdlib", "4.2"), ("sasl", "4.2"), ("cowlib", "2.12.1"),
            ("ranch", "1.8.0"), ("cowboy", "2.9.0"), ("api", "3.1.0")]
    for a, v in apps:
        app(root, a, v, (f"{a}_mod",))
    write(root, "lib/api-3.1.0/priv/static/index.html", "<h1>api</h1>\n")
    erts(root, ev)
    script = "#!/bin/sh\nset -e\nRELX_CONFIG_PATH=\"$RELEASE_ROOT_DIR/releases/$REL_VSN/sys.config\"\nrelx_nodetool() { :; }\n"
    write(root, f"bin/{name}", script, 0o755)
    write(root, f"bin/{name}-{vsn}", script, 0o755)
    write(root, "bin/nodetool", "#!/usr/bin/env escript\n", 0o755)
    write(root, "bin/install_upgrade.escript", "#!/usr/bin/env escript\n", 0o755)
    write(root, "bin/no_dot_erlang.boot", "stub boot\n")
    write(root, "releases/start_erl.data", f"{ev} {vsn}")
    write(root, "releases/RELEASES", releases_file(name, vsn, ev, apps))
    # relx writes the .rel on one line, without a coding header
    write(root, f"releases/{vsn}/{name}.rel", rel_file(name, vsn, ev, apps).replace("\n", "") + "\n")
    write(root, f"releases/{vsn}/start.boot", "stub boot\n")
    write(root, f"releases/{vsn}/sys.config", "[].\n")
    write(root, f"releases/{vsn}/vm.args", f"-sname {name}\n-setcookie {name}\n")
    write(root, f"{name}-{vsn}.tar.gz", "stub tarball written by rebar3 tar\n")


def mix_umbrella(root):
    # mix release of an umbrella: release "platform" holds children core and web
    name, vsn, ev = "platform", "2.0.0", "13.1.5"
    apps = [("kernel", "8.5.3"), ("stdlib", "4.2"), ("elixir", "1.14.0"), ("logger", "1.14.0"),
            ("crypto", "5.1.2"), ("telemetry", "1.2.1"), ("plug", "1.14.0"), ("core", "2.0.0"),
            ("web", "2.0.0"), ("iex", "1.14.0")]
    for a, v in apps:
        app(root, a, v, (f"Elixir.{a.capitalize()}",))
    erts(root, ev)
    write(root, f"bin/{name}", "#!/bin/sh\nset -e\nREL_VSN_DIR=\"$RELEASE_ROOT/releases/$RELEASE_VSN\"\n", 0o755)
    write(root, "releases/COOKIE", "STUBCOOKIE")
    write(root, "releases/start_erl.data", f"{ev} {vsn}")
    write(root, f"releases/{vsn}/{name}.rel", "%% coding: utf-8\n" + rel_file(name, vsn, ev, apps, three=True))
    write(root, f"releases/{vsn}/elixir", "#!/bin/sh\n", 0o755)
    write(root, f"releases/{vsn}/start.boot", "stub boot\n")
    write(root, f"releases/{vsn}/sys.config", "%% coding: utf-8\n%% RUNTIME_CONFIG=false\n[].\n")
    write(root, f"releases/{vsn}/vm.args", "\n")
    write(root, f"releases/{vsn}/consolidated/Elixir.Enumerable.beam", "stub\n")
    write(root, "tmp/left-by-a-local-run", "")


def tar_dir(src, out, arcname_prefix=""):
    """A gzip tarball of a directory, entries relative to it, deterministic."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for dirpath, dirnames, filenames in sorted(os.walk(src)):
            dirnames.sort()
            for f in sorted(filenames):
                full = os.path.join(dirpath, f)
                rel = os.path.relpath(full, src)
                info = tar.gettarinfo(full, arcname_prefix + rel)
                info.mtime, info.uid, info.gid, info.uname, info.gname = MTIME, 0, 0, "", ""
                with open(full, "rb") as fh:
                    tar.addfile(info, fh)
    gz(out, buf.getvalue())


def gz(out, data):
    with open(out, "wb") as f:
        with gzip.GzipFile(fileobj=f, mode="wb", mtime=0, filename="") as g:
            g.write(data)


def crafted(out, members, compress=True):
    """A tarball (gzip unless compress is False) from (TarInfo kwargs, data) pairs, for hostile inputs."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for spec, data in members:
            info = tarfile.TarInfo(spec.pop("name"))
            info.mtime = MTIME
            info.mode = spec.pop("mode", 0o644)
            for k, v in spec.items():
                setattr(info, k, v)
            if info.type == tarfile.REGTYPE and data is not None:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
            else:
                tar.addfile(info)
    if compress:
        gz(out, buf.getvalue())
    else:
        with open(out, "wb") as f:
            f.write(buf.getvalue())


def minimal_release_members():
    """Just enough of a mix release to get past 'not a release'."""
    rel = rel_file("tiny", "0.1.0", "13.1.5", [("kernel", "8.5.3")], three=True).encode()
    return [
        ({"name": "bin/tiny", "mode": 0o755}, b"#!/bin/sh\nREL_VSN_DIR=x\n"),
        ({"name": "releases/COOKIE"}, b"C"),
        ({"name": "releases/start_erl.data"}, b"13.1.5 0.1.0"),
        ({"name": "releases/0.1.0/tiny.rel"}, rel),
        ({"name": "releases/0.1.0/elixir", "mode": 0o755}, b"#!/bin/sh\n"),
    ]


def bad(out):
    m = minimal_release_members
    crafted(f"{out}/dotdot.tar.gz", m() + [({"name": "lib/../../escaped"}, b"x")])
    crafted(f"{out}/absolute.tar.gz", m() + [({"name": "/tmp/relpack-escaped"}, b"x")])
    crafted(f"{out}/symlink-escape.tar.gz",
            m() + [({"name": "lib/passwd", "type": tarfile.SYMTYPE, "linkname": "../../../etc/passwd"}, None)])
    crafted(f"{out}/symlink-absolute.tar.gz",
            m() + [({"name": "lib/passwd", "type": tarfile.SYMTYPE, "linkname": "/etc/passwd"}, None)])
    # each link stays inside on its own; together they climb out
    crafted(f"{out}/symlink-chain.tar.gz", m() + [
        ({"name": "lib/a/up", "type": tarfile.SYMTYPE, "linkname": ".."}, None),
        ({"name": "lib/b", "type": tarfile.SYMTYPE, "linkname": "a/up/a/up/../.."}, None)])
    crafted(f"{out}/through-symlink.tar.gz", m() + [
        ({"name": "lib/dir", "type": tarfile.SYMTYPE, "linkname": "../releases"}, None),
        ({"name": "lib/dir/evil"}, b"x")])
    crafted(f"{out}/hardlink-escape.tar.gz",
            m() + [({"name": "lib/shadow", "type": tarfile.LNKTYPE, "linkname": "../../etc/shadow"}, None)])
    crafted(f"{out}/device.tar.gz",
            m() + [({"name": "lib/null", "type": tarfile.CHRTYPE, "devmajor": 1, "devminor": 3}, None)])
    crafted(f"{out}/fifo.tar.gz", m() + [({"name": "tmp2/pipe", "type": tarfile.FIFOTYPE}, None)])
    # a header announcing 8 GiB: refused from the header, before any data is read
    crafted(f"{out}/bomb.tar.gz", m() + [({"name": "lib/huge", "size": 8 << 30}, None)])
    crafted(f"{out}/not-a-release.tar.gz", [({"name": "README"}, b"hello\n")])
    with open(f"{out}/not-a-tar.tar.gz", "wb") as f:
        f.write(gzip.compress(b"this is not a tar archive\n" * 40, mtime=0))
    good = io.BytesIO()
    crafted_bytes = f"{out}/.truncated.tmp"
    crafted(crafted_bytes, m() + [({"name": "lib/big"}, os.urandom(0) + b"y" * 100000)])
    data = gzip.decompress(open(crafted_bytes, "rb").read())
    os.remove(crafted_bytes)
    with open(f"{out}/truncated.tar.gz", "wb") as f:
        f.write(gzip.compress(data[: len(data) // 2], mtime=0))
    # directories
    write(out, "not-a-release/hello.txt", "not a release\n")
    write(out, "no-rel-file/bin/x", "#!/bin/sh\n", 0o755)
    write(out, "no-rel-file/releases/0.1.0/sys.config", "[].\n")
    write(out, "bad-rel-syntax/bin/tiny", "#!/bin/sh\nREL_VSN_DIR=x\n", 0o755)
    write(out, "bad-rel-syntax/releases/COOKIE", "C")
    write(out, "bad-rel-syntax/releases/start_erl.data", "13.1.5 0.1.0")
    write(out, "bad-rel-syntax/releases/0.1.0/tiny.rel", '{release,{"tiny","0.1.0"},{erts,"13.1.5"},[{kernel,"8.5.3"}\n')
    write(out, "unknown-kind/bin/tiny", "#!/bin/sh\nexec erl\n", 0o755)
    write(out, "unknown-kind/releases/start_erl.data", "13.1.5 0.1.0")
    write(out, "unknown-kind/releases/0.1.0/tiny.rel", rel_file("tiny", "0.1.0", "13.1.5", [("kernel", "8.5.3")]))
    for a in ("escaping-symlink", "dangling-symlink"):
        for spec, data in m():
            write(out, f"{a}/{spec['name']}", data.decode(), spec.get("mode", 0o644))
    os.symlink("../../../../../etc", f"{out}/escaping-symlink/lib")
    os.symlink("nowhere/at/all", f"{out}/dangling-symlink/lib")


def elf(out):
    with tarfile.open(os.path.join(HERE, "releases/demo-0.1.0.tar.gz")) as tar:
        engine = tar.extractfile("lib/crypto-5.1.2/priv/lib/otp_test_engine.so").read()
    assert engine.count(b"libcrypto.so.3\0") == 1
    with open(os.path.join(out, "needs-missing-lib.so"), "wb") as f:
        f.write(engine.replace(b"libcrypto.so.3\0", b"libcrypxo.so.3\0"))
    os.chmod(os.path.join(out, "needs-missing-lib.so"), 0o755)
    with open(os.path.join(out, "truncated.so"), "wb") as f:
        f.write(engine[:100])


def demo_member(path):
    with tarfile.open(os.path.join(HERE, "releases/demo-0.1.0.tar.gz")) as tar:
        return tar.extractfile(path).read()


def same_length(old, new):
    """new, NUL-padded to the length of old, so an ELF string can be swapped in place."""
    assert len(new) <= len(old), new
    return new + b"\0" * (len(old) - len(new))


def hostile(out):
    m = minimal_release_members
    heart = demo_member("erts-13.1.5/bin/heart")
    loader = b"/lib64/ld-linux-x86-64.so.2\0"
    assert heart.count(loader) == 1
    for name, interp in (("interp-shadow", b"/etc/shadow"), ("interp-environ", b"/proc/self/environ"),
                         ("interp-dotdot", b"/lib64/../etc/shadow")):
        patched = heart.replace(loader, same_length(loader, interp))
        crafted(f"{out}/{name}.tar.gz", m() + [({"name": "erts-13.1.5/bin/heart", "mode": 0o755}, patched)])
    for name, line in (("shebang-shadow", b"#!/etc/shadow"),
                       ("shebang-dotdot", b"#!/usr/bin/../../etc/shadow"),
                       ("shebang-env-dotdot", b"#!/usr/bin/env ../../etc/shadow"),
                       ("shebang-env-environ", b"#!/usr/bin/env -i A=1 /proc/self/environ"),
                       ("shebang-relative", b"#!../../etc/shadow")):
        crafted(f"{out}/{name}.tar.gz",
                m() + [({"name": "lib/evil-1.0/priv/run", "mode": 0o755}, line + b"\n")])
    # include_erts: false, so the host base copies the machine's Erlang apps the .rel names
    rel = rel_file("tiny", "0.1.0", "13.1.5", [("kernel", "../../../../../../etc")], three=True).encode()
    crafted(f"{out}/rel-app-dotdot.tar.gz",
            [(spec, rel if spec["name"].endswith("tiny.rel") else data) for spec, data in m()])
    # names no file system takes, and one path used as both a file and a directory: input
    # problems, not cache problems
    crafted(f"{out}/name-too-long.tar.gz", m() + [({"name": "lib/" + "n" * 300}, b"x")])
    crafted(f"{out}/path-too-long.tar.gz", m() + [({"name": "lib/" + "/".join(["d" * 99] * 30)}, b"x")])
    crafted(f"{out}/dir-then-file.tar.gz", m() + [({"name": "lib/x", "type": tarfile.DIRTYPE, "mode": 0o755}, None),
                                                 ({"name": "lib/x"}, b"x")])
    crafted(f"{out}/file-then-dir.tar.gz", m() + [({"name": "lib/x"}, b"x"), ({"name": "lib/x/y"}, b"y")])
    # a release name that, printed raw, returns the cursor and paints a fake green success line
    fake = r'tiny\r\e[32mBuilt registry.example.com/x@sha256:0 (all good)\e[0m\nsecond line'
    crafted(f"{out}/rel-name-escapes.tar.gz",
            [(spec, data.replace(b'"tiny"', ('"' + fake + '"').encode(), 1)
              if spec["name"].endswith("tiny.rel") else data) for spec, data in m()])
    engine = demo_member("lib/crypto-5.1.2/priv/lib/otp_test_engine.so")
    needed = b"libcrypto.so.3\0"
    crafted(f"{out}/needed-proc.tar.gz", m() + [
        ({"name": "erts-13.1.5/bin/heart", "mode": 0o755}, heart),
        ({"name": "lib/crypto-5.1.2/priv/lib/otp_test_engine.so", "mode": 0o755},
         engine.replace(needed, same_length(needed, b"/proc/self/exe")))])
    # bases: a one-layer image whose manifest names a layer outside the archive
    layer = io.BytesIO()
    with tarfile.open(fileobj=layer, mode="w", format=tarfile.GNU_FORMAT) as tar:
        info = tarfile.TarInfo("hello.txt")
        info.size, info.mtime = 6, MTIME
        tar.addfile(info, io.BytesIO(b"hello\n"))
    config = b'{"architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":[]}}'
    for name, layer_path, extra in (
            ("base-layer-dotdot", "../../../../../../../../etc/passwd", []),
            ("base-layer-absolute", "/etc/passwd", []),
            ("base-layer-symlink", "layer.tar",
             [({"name": "layer.tar", "type": tarfile.SYMTYPE, "linkname": "/etc/passwd"}, None)]),
            # docker save and skopeo link layers shared between images (x/layer.tar -> ../D.tar);
            # one that climbs out of the archive instead
            ("base-layer-symlink-dotdot", "x/layer.tar",
             [({"name": "x/layer.tar", "type": tarfile.SYMTYPE,
                "linkname": "../../../../../../etc/passwd"}, None)])):
        manifest = ('[{"Config":"config.json","RepoTags":["hostile:1"],"Layers":["%s"]}]'
                    % layer_path).encode()
        crafted(f"{out}/{name}.tar", [({"name": "config.json"}, config)] + extra
                + [({"name": "manifest.json"}, manifest)], compress=False)
    # an OCI layout whose layer blob is a symlink to a file of the machine
    import hashlib, json
    oci = f"{out}/base-oci-symlink-blob"
    os.makedirs(f"{oci}/blobs/sha256")
    def blob(data):
        digest = hashlib.sha256(data).hexdigest()
        with open(f"{oci}/blobs/sha256/{digest}", "wb") as f:
            f.write(data)
        return "sha256:" + digest
    layer_gz = gzip.compress(layer.getvalue(), mtime=0)
    fake = "sha256:" + hashlib.sha256(layer_gz).hexdigest()
    os.symlink("/etc/passwd", f"{oci}/blobs/sha256/{fake[7:]}")
    cfg = blob(config)
    man = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                      "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                 "digest": cfg, "size": len(config)},
                      "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                                  "digest": fake, "size": len(layer_gz)}]}, sort_keys=True).encode()
    mdig = blob(man)
    write(oci, "oci-layout", '{"imageLayoutVersion":"1.0.0"}')
    write(oci, "index.json", json.dumps({"schemaVersion": 2, "manifests": [
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": mdig,
         "size": len(man), "annotations": {"org.opencontainers.image.ref.name": "1"}}]},
        sort_keys=True))


def main():
    kinds = os.path.join(HERE, "kinds")
    badd = os.path.join(HERE, "bad")
    elfd = os.path.join(HERE, "elf")
    hostiled = os.path.join(HERE, "hostile")
    for d in (kinds, badd, elfd, hostiled):
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
    os.umask(0o022)
    for name, make in (("distillery", distillery), ("exrm", exrm), ("relx", relx),
                       ("mix-umbrella", mix_umbrella)):
        root = os.path.join(kinds, name)
        make(root)
        tar_dir(root, os.path.join(kinds, name + ".tar.gz"))
    bad(badd)
    elf(elfd)
    hostile(hostiled)


if __name__ == "__main__":
    main()
