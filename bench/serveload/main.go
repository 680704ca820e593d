// Command serveload measures the local credential server (internal/serve)
// under load: throughput and latency of proxied GETs on loopback, beside
// the same GETs sent to the API host directly, the token path calls the
// server made, and the server's peak RSS. The server runs in a child
// process of its own (this binary with -server), so its RSS is its own:
//
//	bash bench/serve.sh                   # 32 parallel clients, 10 s each way
//	go run ./bench/serveload -c 64 -d 30s
//
// The API host is a plain HTTP server in this process answering 512 bytes;
// the token path is a function that answers from memory, as nxcred's cache
// does on a hit. Peak RSS is VmHWM from /proc (Linux only).
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/nxcred/nxcred/internal/serve"
)

func main() {
	server := flag.Bool("server", false, "run the server (the child's role)")
	upstream := flag.String("upstream", "", "API host of the server (child)")
	conc := flag.Int("c", 32, "parallel clients")
	dur := flag.Duration("d", 10*time.Second, "duration of each run")
	flag.Parse()
	if *server {
		if err := runServer(*upstream); err != nil {
			fmt.Fprintln(os.Stderr, "serveload: error:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*conc, *dur); err != nil {
		fmt.Fprintln(os.Stderr, "serveload: error:", err)
		os.Exit(1)
	}
}

// runServer serves until SIGTERM, then prints the token path calls.
func runServer(upstream string) error {
	u, err := url.Parse(upstream)
	if err != nil {
		return err
	}
	var calls atomic.Int64
	tok := serve.Token{Access: "bench-token", Expiry: time.Now().Add(time.Hour)}
	s, err := serve.New(serve.Config{Upstream: u, Tokens: func(context.Context, serve.Need) (serve.Token, error) {
		calls.Add(1)
		return tok, nil
	}})
	if err != nil {
		return err
	}
	if err := s.Listen(); err != nil {
		return err
	}
	fmt.Println(s.Info().ProxyURL)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	err = s.Serve(ctx)
	fmt.Println(calls.Load())
	return err
}

func run(conc int, dur time.Duration) error {
	payload := make([]byte, 512)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	api := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(payload) })}
	go api.Serve(ln)
	defer api.Close()
	apiURL := "http://" + ln.Addr().String()

	self, err := os.Executable()
	if err != nil {
		return err
	}
	child := exec.Command(self, "-server", "-upstream", apiURL)
	child.Stderr = os.Stderr
	out, err := child.StdoutPipe()
	if err != nil {
		return err
	}
	if err := child.Start(); err != nil {
		return err
	}
	lines := bufio.NewScanner(out)
	if !lines.Scan() {
		child.Process.Kill()
		return fmt.Errorf("the server printed no URL")
	}
	proxyURL := lines.Text()
	rssStart := vm(child.Process.Pid, "VmRSS")

	fmt.Printf("serveload: %d parallel clients, %s each, GET of 512 bytes on loopback, %s\n", conc, dur, machine())
	direct := load(apiURL+"/api/v1/act", conc, dur)
	proxied := load(proxyURL+"/api/v1/act", conc, dur)
	hwm := vm(child.Process.Pid, "VmHWM")
	child.Process.Signal(syscall.SIGTERM)
	var calls string
	if lines.Scan() {
		calls = lines.Text()
	}
	if err := child.Wait(); err != nil {
		return fmt.Errorf("the server: %w", err)
	}
	fmt.Printf("%-8s %10s %10s %10s %10s %8s\n", "", "req/s", "median", "p99", "requests", "errors")
	for _, r := range []struct {
		name string
		res  result
	}{{"direct", direct}, {"proxied", proxied}} {
		fmt.Printf("%-8s %10.0f %10s %10s %10d %8d\n", r.name, r.res.rate, r.res.p50, r.res.p99, r.res.n, r.res.errors)
	}
	fmt.Printf("server RSS: %s at start, %s peak (VmHWM); token path calls: %s for %d proxied requests\n", rssStart, hwm, calls, proxied.n)
	return nil
}

type result struct {
	n, errors int64
	rate      float64
	p50, p99  time.Duration
}

// load runs conc clients, each with its own keep-alive connection, for dur.
func load(target string, conc int, dur time.Duration) result {
	var mu sync.Mutex
	var all []time.Duration
	var errs atomic.Int64
	deadline := time.Now().Add(dur)
	var wg sync.WaitGroup
	start := time.Now()
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 1}}
			var mine []time.Duration
			for time.Now().Before(deadline) {
				t0 := time.Now()
				resp, err := client.Get(target)
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				if err != nil || resp.StatusCode != 200 {
					errs.Add(1)
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			client.CloseIdleConnections()
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(all)
	r := result{n: int64(len(all)), errors: errs.Load(), rate: float64(len(all)) / elapsed.Seconds()}
	if len(all) > 0 {
		r.p50 = all[len(all)/2].Round(time.Microsecond)
		r.p99 = all[len(all)*99/100].Round(time.Microsecond)
	}
	return r
}

// vm reads a Vm* line of /proc/PID/status.
func vm(pid int, field string) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "n/a"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			return strings.Join(strings.Fields(v), " ")
		}
	}
	return "n/a"
}

func machine() string {
	la, _ := os.ReadFile("/proc/loadavg")
	return fmt.Sprintf("load average %s", strings.Join(strings.Fields(string(la))[:min(3, len(strings.Fields(string(la))))], " "))
}
