package metrics

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/expfmt"

	"github.com/cyhealth/hcops/pkg/atomicfile"
)

// TextfileMode is the permission of a file written by WriteTextfile (the
// umask narrows it): node_exporter usually runs as a user of its own and
// must read the file. It holds asset, system, zone and check names and
// statuses, never a message, address or evidence.
const TextfileMode fs.FileMode = 0o644

// NewRegistry returns a registry holding c and, when runtime is true, the
// Go and process collectors (for /metrics; a textfile has none: node_exporter
// exports its own).
func NewRegistry(c *Collector, runtime bool) (*prometheus.Registry, error) {
	reg := prometheus.NewRegistry()
	if err := reg.Register(c); err != nil {
		return nil, err
	}
	if runtime {
		if err := reg.Register(collectors.NewGoCollector()); err != nil {
			return nil, err
		}
		if err := reg.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})); err != nil {
			return nil, err
		}
	}
	return reg, nil
}

// WriteText gathers g once and writes it in the Prometheus text format.
func WriteText(w io.Writer, g prometheus.Gatherer) error {
	mfs, err := g.Gather()
	if err != nil {
		return err
	}
	enc := expfmt.NewEncoder(w, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			return err
		}
	}
	return nil
}

// WriteTextfile gathers g once and replaces path with the text, atomically
// (node_exporter's textfile collector would otherwise read a half-written
// file), with mode TextfileMode.
func WriteTextfile(path string, g prometheus.Gatherer) error {
	var b bytes.Buffer
	if err := WriteText(&b, g); err != nil {
		return err
	}
	return atomicfile.Write(path, b.Bytes(), TextfileMode)
}

// AddrInUseError is returned by Listen when another process holds the
// address.
type AddrInUseError struct {
	Addr string
	Err  error
}

func (e *AddrInUseError) Error() string {
	return fmt.Sprintf("metrics address %s is already in use: %v", e.Addr, e.Err)
}
func (e *AddrInUseError) Unwrap() error { return e.Err }

// Server serves /metrics.
type Server struct {
	ln   net.Listener
	srv  *http.Server
	done chan error
}

// Listen binds addr (host:port; ":9469" for every interface) and serves
// g's metrics on /metrics until Shutdown. A busy address is an
// *AddrInUseError.
func Listen(addr string, g prometheus.Gatherer, log *slog.Logger) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return nil, &AddrInUseError{Addr: addr, Err: err}
		}
		return nil, err
	}
	if log == nil {
		log = slog.Default()
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(g, promhttp.HandlerOpts{
		ErrorLog:            slogPrinter{log},
		ErrorHandling:       promhttp.ContinueOnError,
		MaxRequestsInFlight: 4,
		Timeout:             DefaultTimeout + 5*time.Second,
	}))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "hcops metrics: /metrics\n")
	})
	s := &Server{ln: ln, done: make(chan error, 1),
		srv: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: DefaultTimeout + 10*time.Second}}
	go func() {
		err := s.srv.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		s.done <- err
	}()
	return s, nil
}

// Addr is the address the server listens on (with the port chosen when
// the address asked for port 0).
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Shutdown stops accepting scrapes and waits for those in flight, until
// ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	if err != nil {
		s.srv.Close()
	}
	if serr := <-s.done; err == nil {
		err = serr
	}
	return err
}

// slogPrinter lets promhttp log its errors through slog.
type slogPrinter struct{ log *slog.Logger }

func (p slogPrinter) Println(v ...any) { p.log.Error("metrics: " + fmt.Sprint(v...)) }
