// tlogcheck - checks bodycam's transparency log with Go's own packages,
// golang.org/x/mod/sumdb/note and golang.org/x/mod/sumdb/tlog, not
// bodycam's code: the log as C2SP tlog-tiles (c2sp.org/tlog-tiles),
// served by 'bodycam serve' at /log/ or written by 'bodycam log tiles'.
//
//	tlogcheck vkey NAME PUBKEY.pem
//		prints the note verifier key of an Ed25519 public key (PEM,
//		as bodycam writes it) under NAME: NAME+KEYID+base64(0x01||key)
//
//	tlogcheck note -vkey VKEY [-witness WVKEY... -quorum K] FILE
//		opens FILE (a checkpoint, or the checkpoint of a tlog-proof
//		file) with note.Open: the log's signature, and the witnesses'
//		cosignatures (c2sp.org/tlog-cosignature, cosignature/v1,
//		checked by a note.Verifier of this program over Go's
//		crypto/ed25519); fewer than K that verify is a failure.
//
//	tlogcheck check -vkey VKEY -src URL|DIR [-token T] [-old FILE]...
//	    [-every K] [-proofs FILE] [-witness WVKEY... -quorum K]
//		opens SRC/checkpoint with note.Open (signed by VKEY, under
//		the checkpoint's origin), reads the tree's hashes through
//		tlog.TileHashReader (which authenticates every tile against
//		the checkpoint's root), checks that every entry of every
//		entry bundle hashes (tlog.RecordHash) to its leaf, proves
//		and checks with tlog.ProveRecord / tlog.CheckRecord the
//		inclusion of every K-th leaf and of every leaf of the last
//		two entry bundles, and, for each older checkpoint FILE,
//		its consistency with tlog.ProveTree / tlog.CheckTree.
//		-proofs writes "consistency OLD NEW HASH..." lines (hex),
//		for comparison with bodycam's.  Prints a summary; exits 1
//		when anything fails to check, 2 on a usage error.
//
// Built in GOPATH mode from Debian's golang-golang-x-mod-dev, offline:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode GOPROXY=off \
//	    go build -o tlogcheck ./tests/go/tlogcheck
package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const height = 8 // c2sp.org/tlog-tiles: 256 hashes a tile

// source reads files of a tlog-tiles tree from a URL or a directory.
type source struct {
	base   string
	token  string
	client *http.Client
	bytes  int64 // read so far
	reads  int
}

func (s *source) get(rel string) ([]byte, error) {
	s.reads++
	if !strings.HasPrefix(s.base, "http://") &&
		!strings.HasPrefix(s.base, "https://") {
		b, err := os.ReadFile(filepath.Join(s.base, rel))
		s.bytes += int64(len(b))
		return b, err
	}
	req, err := http.NewRequest("GET", strings.TrimSuffix(s.base, "/")+
		"/"+rel, nil)
	if err != nil {
		return nil, err
	}
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	s.bytes += int64(len(b))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("%s: HTTP %d", rel, resp.StatusCode)
	}
	return b, nil
}

// tilePath is the C2SP path of a tile: Go's sumdb path without the
// height ("tile/8/0/x001/234" is "tile/0/x001/234").
func tilePath(t tlog.Tile) string {
	p := t.Path()
	pre := "tile/" + strconv.Itoa(height) + "/"
	if !strings.HasPrefix(p, pre) {
		panic("unexpected tile path " + p)
	}
	return "tile/" + strings.TrimPrefix(p, pre)
}

// tileReader is a tlog.TileReader over a source, with a cache: the
// hash reader fetches the same tiles for many proofs.
type tileReader struct {
	src   *source
	cache map[tlog.Tile][]byte
}

func (r *tileReader) Height() int { return height }

func (r *tileReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		if b, ok := r.cache[t]; ok {
			out[i] = b
			continue
		}
		b, err := r.src.get(tilePath(t))
		if err != nil {
			return nil, err
		}
		if len(b) != t.W*tlog.HashSize {
			return nil, fmt.Errorf("%s: %d bytes, want %d",
				tilePath(t), len(b), t.W*tlog.HashSize)
		}
		r.cache[t] = b
		out[i] = b
	}
	return out, nil
}

func (r *tileReader) SaveTiles(tiles []tlog.Tile, data [][]byte) {}

// checkpoint is an opened C2SP checkpoint (c2sp.org/tlog-checkpoint).
type checkpoint struct {
	origin    string
	tree      tlog.Tree
	witnessed int // witnesses whose cosignature verified
}

// cosigVerifier checks c2sp.org/tlog-cosignature cosignature/v1 lines
// (Ed25519, key type 0x04) through note.Open: the signature bytes are a
// big-endian uint64 time and the Ed25519 signature of
// "cosignature/v1\ntime T\n" followed by the note text.
type cosigVerifier struct {
	name string
	hash uint32
	key  ed25519.PublicKey
}

func (v *cosigVerifier) Name() string    { return v.name }
func (v *cosigVerifier) KeyHash() uint32 { return v.hash }
func (v *cosigVerifier) Verify(msg, sig []byte) bool {
	if len(sig) != 8+ed25519.SignatureSize {
		return false
	}
	t := binary.BigEndian.Uint64(sig)
	if t > 1<<63-1 {
		return false
	}
	m := []byte(fmt.Sprintf("cosignature/v1\ntime %d\n", t))
	m = append(m, msg...)
	return ed25519.Verify(v.key, m, sig[8:])
}

// newCosigVerifier parses a witness's vkey: NAME+HASH+base64(0x04||key).
func newCosigVerifier(vkey string) (*cosigVerifier, error) {
	name, rest, ok1 := strings.Cut(vkey, "+")
	hash16, key64, ok2 := strings.Cut(rest, "+")
	if !ok1 || !ok2 || len(hash16) != 8 || name == "" {
		return nil, errors.New("malformed witness vkey")
	}
	h, err := strconv.ParseUint(hash16, 16, 32)
	if err != nil {
		return nil, errors.New("malformed witness vkey hash")
	}
	key, err := base64.StdEncoding.DecodeString(key64)
	if err != nil || len(key) != 1+ed25519.PublicKeySize || key[0] != 4 {
		return nil, errors.New("witness vkey: not a cosignature/v1 key")
	}
	sum := sha256.Sum256(append([]byte(name+"\n"), key...))
	if binary.BigEndian.Uint32(sum[:4]) != uint32(h) {
		return nil, errors.New("witness vkey: wrong key hash")
	}
	return &cosigVerifier{name: name, hash: uint32(h),
		key: ed25519.PublicKey(key[1:])}, nil
}

// witnessed counts the witnesses whose cosignature note.Open verified.
func witnessed(n *note.Note, ws []*cosigVerifier) int {
	seen := 0
	for _, w := range ws {
		for _, sig := range n.Sigs {
			if sig.Name == w.name && sig.Hash == w.hash {
				seen++
				break
			}
		}
	}
	return seen
}

func openCheckpoint(msg []byte, v note.Verifier,
	ws ...*cosigVerifier) (checkpoint, error) {
	var cp checkpoint
	vs := []note.Verifier{v}
	for _, w := range ws {
		vs = append(vs, w)
	}
	n, err := note.Open(msg, note.VerifierList(vs...))
	if err != nil {
		return cp, err
	}
	cp.witnessed = witnessed(n, ws)
	lines := strings.SplitN(n.Text, "\n", 4)
	if len(lines) < 4 {
		return cp, errors.New("checkpoint: fewer than 3 lines")
	}
	cp.origin = lines[0]
	if cp.origin != v.Name() {
		return cp, fmt.Errorf("checkpoint of %q, signed as %q",
			cp.origin, v.Name())
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != lines[1] {
		return cp, errors.New("checkpoint: bad tree size")
	}
	h, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(h) != tlog.HashSize {
		return cp, errors.New("checkpoint: bad root hash")
	}
	cp.tree.N = size
	copy(cp.tree.Hash[:], h)
	return cp, nil
}

// entries splits an entry bundle: big-endian uint16 lengths, each
// followed by its entry, nothing after the last.
func entries(b []byte) ([][]byte, error) {
	var out [][]byte
	for len(b) > 0 {
		if len(b) < 2 {
			return nil, errors.New("entry bundle: a length cut short")
		}
		n := int(binary.BigEndian.Uint16(b))
		if len(b) < 2+n {
			return nil, errors.New("entry bundle: an entry cut short")
		}
		out = append(out, b[2:2+n])
		b = b[2+n:]
	}
	return out, nil
}

func vkeyCmd(args []string) int {
	if len(args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: tlogcheck vkey NAME PUBKEY.pem")
		return 2
	}
	b, err := os.ReadFile(args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "tlogcheck:", err)
		return 2
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		fmt.Fprintln(os.Stderr, "tlogcheck: not PEM")
		return 2
	}
	k, err := x509.ParsePKIXPublicKey(blk.Bytes)
	pub, ok := k.(ed25519.PublicKey)
	if err != nil || !ok {
		fmt.Fprintln(os.Stderr, "tlogcheck: not an Ed25519 public key")
		return 2
	}
	vkey, err := note.NewEd25519VerifierKey(args[0], pub)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tlogcheck:", err)
		return 2
	}
	fmt.Println(vkey)
	return 0
}

type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(s string) error { *m = append(*m, s); return nil }

func checkCmd(args []string) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	vkey := fs.String("vkey", "", "note verifier key of the log")
	src := fs.String("src", "", "URL or directory of the tiles")
	token := fs.String("token", "", "bearer token")
	every := fs.Int64("every", 97, "prove the inclusion of every K-th leaf")
	proofs := fs.String("proofs", "", "write the consistency proofs here")
	var olds, wkeys multi
	fs.Var(&olds, "old", "an older checkpoint (repeatable)")
	fs.Var(&wkeys, "witness", "a witness's vkey (repeatable)")
	quorum := fs.Int("quorum", 0, "witnesses that must have cosigned")
	if err := fs.Parse(args); err != nil || *vkey == "" || *src == "" ||
		fs.NArg() != 0 || *every < 1 || *quorum > len(wkeys) {
		fmt.Fprintln(os.Stderr, "usage: tlogcheck check -vkey VKEY "+
			"-src URL|DIR [-token T] [-old FILE]... [-every K] "+
			"[-proofs FILE] [-witness VKEY... -quorum K]")
		return 2
	}
	var ws []*cosigVerifier
	for _, k := range wkeys {
		w, err := newCosigVerifier(k)
		if err != nil {
			fmt.Fprintln(os.Stderr, "tlogcheck: -witness:", err)
			return 2
		}
		ws = append(ws, w)
	}
	fail := func(f string, a ...interface{}) int {
		fmt.Fprintf(os.Stderr, "tlogcheck: "+f+"\n", a...)
		return 1
	}
	v, err := note.NewVerifier(*vkey)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tlogcheck: -vkey:", err)
		return 2
	}
	s := &source{base: *src, token: *token,
		client: &http.Client{Timeout: 60 * time.Second}}
	msg, err := s.get("checkpoint")
	if err != nil {
		return fail("checkpoint: %v", err)
	}
	cp, err := openCheckpoint(msg, v, ws...)
	if err != nil {
		return fail("checkpoint: %v", err)
	}
	if cp.witnessed < *quorum {
		return fail("checkpoint: %d witnesses cosigned it, quorum %d",
			cp.witnessed, *quorum)
	}
	tree := cp.tree
	tr := &tileReader{src: s, cache: map[tlog.Tile][]byte{}}
	hr := tlog.TileHashReader(tree, tr)
	root, err := tlog.TreeHash(tree.N, hr)
	if err != nil {
		return fail("tree hash from the tiles: %v", err)
	}
	if root != tree.Hash {
		return fail("the tiles give root %v, the checkpoint %v", root,
			tree.Hash)
	}

	// every entry, against its authenticated leaf hash
	var leaves, proved int64
	data := map[int64][]byte{}
	last := (tree.N - 1) / 256 // the last two bundles: proved in full
	for n := int64(0); n*256 < tree.N; n++ {
		w := tree.N - n*256
		if w > 256 {
			w = 256
		}
		t := tlog.Tile{H: height, L: 0, N: n, W: int(w)}
		rel := "tile/entries/" + strings.TrimPrefix(tilePath(t),
			"tile/0/")
		b, err := s.get(rel)
		if err != nil {
			return fail("%v", err)
		}
		es, err := entries(b)
		if err != nil {
			return fail("%s: %v", rel, err)
		}
		if int64(len(es)) != w {
			return fail("%s: %d entries, want %d", rel, len(es), w)
		}
		idx := make([]int64, w)
		for i := range idx {
			idx[i] = tlog.StoredHashIndex(0, n*256+int64(i))
		}
		hs, err := hr.ReadHashes(idx)
		if err != nil {
			return fail("%s: leaf hashes: %v", rel, err)
		}
		for i, e := range es {
			leaf := n*256 + int64(i)
			if tlog.RecordHash(e) != hs[i] {
				return fail("leaf %d: the entry does not hash "+
					"to the leaf", leaf)
			}
			leaves++
			if leaf%*every == 0 || n >= last-1 {
				data[leaf] = e
			}
		}
	}
	if leaves != tree.N {
		return fail("%d entries for a tree of %d", leaves, tree.N)
	}
	for leaf, e := range data {
		p, err := tlog.ProveRecord(tree.N, leaf, hr)
		if err != nil {
			return fail("leaf %d: ProveRecord: %v", leaf, err)
		}
		if err := tlog.CheckRecord(p, tree.N, tree.Hash, leaf,
			tlog.RecordHash(e)); err != nil {
			return fail("leaf %d: CheckRecord: %v", leaf, err)
		}
		proved++
	}

	// consistency of each older checkpoint with this one
	var out bytes.Buffer
	for _, f := range olds {
		b, err := os.ReadFile(f)
		if err != nil {
			return fail("%v", err)
		}
		old, err := openCheckpoint(b, v)
		if err != nil {
			return fail("%s: %v", f, err)
		}
		if old.tree.N > tree.N || old.tree.N == 0 {
			return fail("%s: a tree of %d, the log's %d", f,
				old.tree.N, tree.N)
		}
		p, err := tlog.ProveTree(tree.N, old.tree.N, hr)
		if err != nil {
			return fail("%s: ProveTree: %v", f, err)
		}
		if err := tlog.CheckTree(p, tree.N, tree.Hash, old.tree.N,
			old.tree.Hash); err != nil {
			return fail("%s: CheckTree: %v", f, err)
		}
		fmt.Fprintf(&out, "consistency %d %d", old.tree.N, tree.N)
		for _, h := range p {
			fmt.Fprintf(&out, " %s", hex.EncodeToString(h[:]))
		}
		out.WriteString("\n")
	}
	if *proofs != "" {
		if err := os.WriteFile(*proofs, out.Bytes(), 0o644); err != nil {
			return fail("%v", err)
		}
	}
	fmt.Printf("ok: checkpoint of %s, %d leaves, root %s; %d entries "+
		"hash to their leaves; %d inclusion proofs and %d consistency "+
		"proofs checked; %d files, %d bytes read; %d witnesses "+
		"cosigned\n", cp.origin, tree.N,
		hex.EncodeToString(tree.Hash[:]), leaves, proved, len(olds),
		s.reads, s.bytes, cp.witnessed)
	return 0
}

// noteCmd checks one checkpoint file, or the checkpoint of a
// c2sp.org/tlog-proof@v1 file: the log's signature and the witnesses'
// cosignatures, with note.Open.
func noteCmd(args []string) int {
	fs := flag.NewFlagSet("note", flag.ContinueOnError)
	vkey := fs.String("vkey", "", "note verifier key of the log")
	var wkeys multi
	fs.Var(&wkeys, "witness", "a witness's vkey (repeatable)")
	quorum := fs.Int("quorum", 0, "witnesses that must have cosigned")
	if err := fs.Parse(args); err != nil || *vkey == "" ||
		fs.NArg() != 1 || *quorum > len(wkeys) {
		fmt.Fprintln(os.Stderr, "usage: tlogcheck note -vkey VKEY "+
			"[-witness VKEY... -quorum K] FILE")
		return 2
	}
	v, err := note.NewVerifier(*vkey)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tlogcheck: -vkey:", err)
		return 2
	}
	var ws []*cosigVerifier
	for _, k := range wkeys {
		w, err := newCosigVerifier(k)
		if err != nil {
			fmt.Fprintln(os.Stderr, "tlogcheck: -witness:", err)
			return 2
		}
		ws = append(ws, w)
	}
	msg, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, "tlogcheck:", err)
		return 1
	}
	if bytes.HasPrefix(msg, []byte("c2sp.org/tlog-proof@v1\n")) {
		i := bytes.Index(msg, []byte("\n\n"))
		if i < 0 {
			fmt.Fprintln(os.Stderr, "tlogcheck: tlog-proof: no "+
				"empty line before the checkpoint")
			return 1
		}
		msg = msg[i+2:]
	}
	cp, err := openCheckpoint(msg, v, ws...)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tlogcheck:", fs.Arg(0)+":", err)
		return 1
	}
	if cp.witnessed < *quorum {
		fmt.Fprintf(os.Stderr, "tlogcheck: %s: %d witnesses cosigned "+
			"it, quorum %d\n", fs.Arg(0), cp.witnessed, *quorum)
		return 1
	}
	fmt.Printf("ok: checkpoint of %s, %d leaves; %d witnesses cosigned\n",
		cp.origin, cp.tree.N, cp.witnessed)
	return 0
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: tlogcheck vkey|check|note ...")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "vkey":
		os.Exit(vkeyCmd(os.Args[2:]))
	case "check":
		os.Exit(checkCmd(os.Args[2:]))
	case "note":
		os.Exit(noteCmd(os.Args[2:]))
	}
	fmt.Fprintln(os.Stderr, "usage: tlogcheck vkey|check|note ...")
	os.Exit(2)
}
