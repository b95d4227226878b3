// Package s3store is the Store for S3-compatible object storage (MinIO in
// production), through minio-go. It uses only plain S3 calls, so any S3
// service can stand in. Objects are encrypted on the server (SSE-S3, or
// SSE-C with a key from configuration); their keys are random and their
// metadata holds at most the SHA-256, never names or personal data.
package s3store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"mime"
	"net/url"
	"os"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/encrypt"

	"accredpack/storage"
)

// Encryption modes.
const (
	SSEAuto = "auto" // SSE-C when a key is given, else SSE-S3; refuse to start if the server has neither
	SSES3   = "s3"
	SSEC    = "c"
	SSENone = "none"
)

// Config says where the bucket is and how to protect it.
type Config struct {
	Endpoint  string // host:port
	AccessKey string
	SecretKey string
	Bucket    string
	Region    string
	UseSSL    bool
	SSE       string
	SSECKey   []byte // 32 bytes, for SSE-C
	CAFile    string // PEM certificates to trust for TLS, besides the system's
}

// Store is a bucket.
type Store struct {
	client *minio.Client
	bucket string
	sse    encrypt.ServerSide // nil when unencrypted
	mode   string
	// streamMax is the largest object PutSizedStream takes: one PUT
	// over TLS, on a server that answered the probe; 0 otherwise.
	streamMax int64
}

var (
	_ storage.Store             = (*Store)(nil)
	_ storage.StreamPutter      = (*Store)(nil)
	_ storage.SizedStreamPutter = (*Store)(nil)
)

// singlePutMax is the size up to which an object goes in one PUT, streamed
// from its reader without buffering. Slot files are at most 25 MiB; bigger
// objects go in parts of this size.
const singlePutMax = 64 << 20

// Open connects, creates the bucket when missing and settles the
// encryption mode.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	transport, err := minio.DefaultTransport(cfg.UseSSL)
	if err != nil {
		return nil, fmt.Errorf("s3store: transport: %w", err)
	}
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("s3store: CA file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("s3store: CA file %s holds no PEM certificate", cfg.CAFile)
		}
		transport.TLSClientConfig.RootCAs = pool
	}
	client, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:     credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure:    cfg.UseSSL,
		Region:    cfg.Region,
		Transport: transport,
		// The server checks a SHA-256 trailer against what it received.
		TrailingHeaders: true,
	})
	if err != nil {
		return nil, fmt.Errorf("s3store: client for %s: %w", cfg.Endpoint, err)
	}
	s := &Store{client: client, bucket: cfg.Bucket}
	exists, err := client.BucketExists(ctx, cfg.Bucket)
	if err != nil {
		return nil, fmt.Errorf("s3store: bucket %s: %w", cfg.Bucket, err)
	}
	if !exists {
		if err := client.MakeBucket(ctx, cfg.Bucket, minio.MakeBucketOptions{Region: cfg.Region}); err != nil {
			return nil, fmt.Errorf("s3store: create bucket %s: %w", cfg.Bucket, err)
		}
	}
	if err := s.settleEncryption(ctx, cfg); err != nil {
		return nil, err
	}
	if cfg.UseSSL && s.trailerWorks(ctx) {
		s.streamMax = singlePutMax
	}
	return s, nil
}

// trailerWorks tells whether the server takes a PUT whose checksum comes
// as a trailer, and answers with the checksum it checked (not every S3
// service does): PutSizedStream is offered only then.
func (s *Store) trailerWorks(ctx context.Context) bool {
	probe := []byte("accredpack checksum trailer probe")
	crc, err := s.putTrailer(ctx, "probe/checksum-trailer", bytes.NewReader(probe), int64(len(probe)))
	s.client.RemoveObject(ctx, s.bucket, "probe/checksum-trailer", minio.RemoveObjectOptions{})
	want := binary.BigEndian.AppendUint32(nil, crc32.Checksum(probe, crc32.MakeTable(crc32.Castagnoli)))
	return err == nil && crc == base64.StdEncoding.EncodeToString(want)
}

// Encryption names the mode in use: "s3", "c" or "none".
func (s *Store) Encryption() string { return s.mode }

func (s *Store) settleEncryption(ctx context.Context, cfg Config) error {
	mode := cfg.SSE
	if mode == "" {
		mode = SSEAuto
	}
	if mode == SSEAuto {
		mode = SSES3
		if len(cfg.SSECKey) > 0 {
			mode = SSEC
		}
	}
	switch mode {
	case SSENone:
		s.mode = SSENone
		return nil
	case SSEC:
		if !cfg.UseSSL {
			return errors.New("s3store: SSE-C sends the key with every request and needs TLS (ACCREDPACK_S3_USE_SSL=true)")
		}
		sse, err := encrypt.NewSSEC(cfg.SSECKey)
		if err != nil {
			return fmt.Errorf("s3store: SSE-C key: %w", err)
		}
		s.sse, s.mode = sse, SSEC
	case SSES3:
		s.sse, s.mode = encrypt.NewSSE(), SSES3
	default:
		return fmt.Errorf("s3store: unknown encryption mode %q (auto, s3, c, none)", cfg.SSE)
	}
	// Prove the server accepts the mode before taking any document.
	probe := []byte("accredpack encryption probe")
	if err := s.Put(ctx, "probe/encryption", bytes.NewReader(probe), int64(len(probe)), hexSum(probe)); err != nil {
		return fmt.Errorf("s3store: the server refused %s encryption (for SSE-S3 it needs a KMS; or give an SSE-C key; or set ACCREDPACK_S3_SSE=none to store unencrypted): %w", modeName(s.mode), err)
	}
	return s.Delete(ctx, "probe/encryption")
}

func modeName(m string) string {
	switch m {
	case SSEC:
		return "SSE-C"
	case SSES3:
		return "SSE-S3"
	}
	return m
}

func hexSum(b []byte) string { h := sha256.Sum256(b); return hex.EncodeToString(h[:]) }

// Put implements storage.Store without hashing the bytes in the service:
// the caller's SHA-256 (the one computed while the upload was spooled)
// goes in a signed x-amz-checksum-sha256 header, and the server hashes
// what it receives and refuses the PUT (nothing stored) when it differs.
// So the bytes are hashed once here and once by the server, which is the
// one that must agree. The payload itself is sent unsigned
// (DisableContentSha256): its integrity is the checksum's job, and over
// TLS the transport's too; signing it would hash every 64 KiB chunk again.
// Objects above singlePutMax go in parts, where a whole-object header does
// not apply: those are hashed as they stream (putParts).
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64, sha256hex string) error {
	if err := storage.CheckKey(key); err != nil {
		return err
	}
	if size > singlePutMax {
		return s.putParts(ctx, key, r, size, sha256hex)
	}
	raw, err := hex.DecodeString(sha256hex)
	if err != nil || len(raw) != sha256.Size {
		return fmt.Errorf("s3store: put %s: %w: %q is no SHA-256", key, storage.ErrChecksum, sha256hex)
	}
	_, err = s.client.PutObject(ctx, s.bucket, key, io.LimitReader(r, size), size, minio.PutObjectOptions{
		ContentType:          "application/octet-stream",
		ServerSideEncryption: s.sse,
		UserMetadata: map[string]string{
			"sha256": sha256hex,
			// Sent as the header itself, not x-amz-meta-: the server checks it.
			minio.ChecksumSHA256.Key(): base64.StdEncoding.EncodeToString(raw),
		},
		DisableContentSha256: true,
		PartSize:             singlePutMax,
	})
	if err != nil {
		if checksumRefused(err) {
			return fmt.Errorf("s3store: put %s: %w: the server received other bytes than %s: %w", key, storage.ErrChecksum, sha256hex, err)
		}
		return fmt.Errorf("s3store: put %s: %w", key, err)
	}
	return nil
}

// PutSizedStream implements storage.SizedStreamPutter with one PUT whose
// CRC32C travels as a trailer, as minio-go sends any PUT by default:
// minio-go computes it as it sends (in hardware, no SHA-256), the server
// checks it and refuses the PUT when it differs. The caller hashes the
// bytes with SHA-256 as they go by; reads verify against that. Payload
// and trailer are not signed, so this is offered over TLS only
// (SizedStreamMax is 0 otherwise, and uploads take Put, whose SHA-256
// header is signed and checked by the server).
func (s *Store) PutSizedStream(ctx context.Context, key string, r io.Reader, size int64) error {
	if err := storage.CheckKey(key); err != nil {
		return err
	}
	if size <= 0 || size > s.streamMax {
		return fmt.Errorf("s3store: put %s: %d bytes are not one streamed PUT here (at most %d; over TLS only)", key, size, s.streamMax)
	}
	_, err := s.putTrailer(ctx, key, r, size)
	return err
}

// putTrailer is one PUT of size bytes from r with a CRC32C trailer; it
// returns the CRC32C (base64) the server answered.
func (s *Store) putTrailer(ctx context.Context, key string, r io.Reader, size int64) (string, error) {
	info, err := s.client.PutObject(ctx, s.bucket, key, io.LimitReader(r, size), size, minio.PutObjectOptions{
		ContentType:          "application/octet-stream",
		ServerSideEncryption: s.sse,
		Checksum:             minio.ChecksumCRC32C,
		DisableContentSha256: true,
		DisableMultipart:     true,
	})
	if err != nil {
		if checksumRefused(err) {
			return "", fmt.Errorf("s3store: put %s: %w: the server received other bytes than were sent: %w", key, storage.ErrChecksum, err)
		}
		return "", fmt.Errorf("s3store: put %s: %w", key, err)
	}
	return info.ChecksumCRC32C, nil
}

// SizedStreamMax implements storage.SizedStreamPutter: one PUT's worth
// over TLS, on a server that passed the probe; 0 otherwise.
func (s *Store) SizedStreamMax() int64 { return s.streamMax }

// checksumRefused tells a PUT the server refused because the body did not
// match its checksum header.
func checksumRefused(err error) bool {
	switch minio.ToErrorResponse(err).Code {
	case "XAmzContentChecksumMismatch", "BadDigest", "XAmzContentSHA256Mismatch", "InvalidDigest":
		return true
	}
	return false
}

// putParts uploads an object larger than one PUT in parts, each with a
// SHA-256 trailer the server checks, and the whole hashed as it streams:
// a mismatch aborts the upload, so nothing is stored.
func (s *Store) putParts(ctx context.Context, key string, r io.Reader, size int64, sha256hex string) error {
	vr := &verifyingReader{r: io.LimitReader(r, size), h: sha256.New(), want: sha256hex, size: size}
	_, err := s.client.PutObject(ctx, s.bucket, key, vr, size, minio.PutObjectOptions{
		ContentType:          "application/octet-stream",
		ServerSideEncryption: s.sse,
		UserMetadata:         map[string]string{"sha256": sha256hex},
		Checksum:             minio.ChecksumSHA256,
		DisableContentSha256: true,
		PartSize:             singlePutMax,
	})
	if vr.mismatch != nil {
		return fmt.Errorf("s3store: put %s: %w", key, vr.mismatch)
	}
	if err != nil {
		return fmt.Errorf("s3store: put %s: %w", key, err)
	}
	return nil
}

// streamPartSize is the part size of PutStream: minio-go buffers one part
// in memory per upload of unknown size (528 MiB at its default).
const streamPartSize = 16 << 20

// PutStream implements storage.StreamPutter: an object of unknown size
// (a bundle written as it is built) goes up in parts of streamPartSize
// through a pipe, each part with a CRC32C the server checks (minio-go's
// default; cheap, and the payload is not signed chunk by chunk). The
// writer hashes what it writes itself and records it; reads verify that.
// If write fails, the upload is aborted and nothing is stored.
func (s *Store) PutStream(ctx context.Context, key string, write func(w io.Writer) error) error {
	if err := storage.CheckKey(key); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pr, pw := io.Pipe()
	werr := make(chan error, 1)
	go func() {
		err := write(pw)
		if err == nil {
			err = ctx.Err()
		}
		if err != nil {
			// The upload reads this error instead of an end and aborts.
			pw.CloseWithError(err)
		} else {
			pw.Close()
		}
		werr <- err
	}()
	_, err := s.client.PutObject(ctx, s.bucket, key, pr, -1, minio.PutObjectOptions{
		ContentType:          "application/octet-stream",
		ServerSideEncryption: s.sse,
		DisableContentSha256: true,
		PartSize:             streamPartSize,
	})
	// A failed upload stops reading: unblock the writer, then wait for it.
	pr.CloseWithError(errUploadEnded)
	wErr := <-werr
	if wErr != nil && !errors.Is(wErr, errUploadEnded) {
		// The writer's own failure is the cause (a document that did not
		// verify): the upload read it and was aborted.
		if err == nil {
			// Cannot happen, as the upload read the error; but never keep
			// an object its writer disowned.
			s.Delete(context.WithoutCancel(ctx), key)
		}
		return wErr
	}
	if err != nil {
		return fmt.Errorf("s3store: put %s: %w", key, err)
	}
	return nil
}

var errUploadEnded = errors.New("s3store: the upload ended before the object was written")

// verifyingReader fails the last read when the bytes are not the promised
// ones, which makes the client abort the upload.
type verifyingReader struct {
	r        io.Reader
	h        hash.Hash
	n, size  int64
	want     string
	mismatch error
}

func (v *verifyingReader) Read(p []byte) (int, error) {
	n, err := v.r.Read(p)
	v.h.Write(p[:n])
	v.n += int64(n)
	if errors.Is(err, io.EOF) || (err == nil && v.n == v.size) {
		if got := hex.EncodeToString(v.h.Sum(nil)); v.n != v.size || got != v.want {
			v.mismatch = fmt.Errorf("%w: got %d bytes %s, want %d bytes %s", storage.ErrChecksum, v.n, got, v.size, v.want)
			return n, v.mismatch
		}
	}
	return n, err
}

func notFound(err error) bool {
	code := minio.ToErrorResponse(err).Code
	return code == "NoSuchKey" || code == "NotFound"
}

// Open implements storage.Store.
func (s *Store) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := storage.CheckKey(key); err != nil {
		return nil, err
	}
	opts := minio.GetObjectOptions{}
	if s.mode == SSEC {
		opts.ServerSideEncryption = s.sse
	}
	obj, err := s.client.GetObject(ctx, s.bucket, key, opts)
	if err != nil {
		return nil, fmt.Errorf("s3store: get %s: %w", key, err)
	}
	// GetObject is lazy: ask now, so a missing object is ErrNotFound here.
	if _, err := obj.Stat(); err != nil {
		obj.Close()
		if notFound(err) {
			return nil, fmt.Errorf("s3store: %s: %w", key, storage.ErrNotFound)
		}
		return nil, fmt.Errorf("s3store: get %s: %w", key, err)
	}
	return obj, nil
}

// Delete implements storage.Store.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := storage.CheckKey(key); err != nil {
		return err
	}
	if err := s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{}); err != nil && !notFound(err) {
		return fmt.Errorf("s3store: delete %s: %w", key, err)
	}
	return nil
}

// Ping implements storage.Store.
func (s *Store) Ping(ctx context.Context) error {
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return fmt.Errorf("s3store: ping: %w", err)
	}
	if !ok {
		return fmt.Errorf("s3store: bucket %s is gone", s.bucket)
	}
	return nil
}

// List implements storage.Store.
func (s *Store) List(ctx context.Context, prefix string, fn func(storage.Object) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for o := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if o.Err != nil {
			return fmt.Errorf("s3store: list: %w", o.Err)
		}
		if err := fn(storage.Object{Key: o.Key, Size: o.Size, Modified: o.LastModified}); err != nil {
			return err
		}
	}
	return nil
}

// PresignGet implements storage.Presigner: a link valid for ttl that
// downloads the object under fileName. SSE-C objects cannot be fetched by a
// plain link (the key would have to travel with it).
func (s *Store) PresignGet(ctx context.Context, key, fileName string, ttl time.Duration) (string, error) {
	if s.mode == SSEC {
		return "", errors.New("s3store: SSE-C objects cannot be downloaded by presigned link")
	}
	params := url.Values{}
	params.Set("response-content-type", "application/pdf")
	params.Set("response-content-disposition", mime.FormatMediaType("attachment", map[string]string{"filename": fileName}))
	u, err := s.client.PresignedGetObject(ctx, s.bucket, key, ttl, params)
	if err != nil {
		return "", fmt.Errorf("s3store: presign %s: %w", key, err)
	}
	return u.String(), nil
}
