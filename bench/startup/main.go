// Command startup measures the start-up of a command: it runs it -n times
// and prints the median and minimum wall time and CPU time (user+system,
// from the child's rusage, in microseconds), so that a few milliseconds are
// visible where /usr/bin/time rounds to 10 ms.
//
//	go run ./bench/startup -n 31 -- ./modelgate version
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"syscall"
	"time"
)

func main() {
	n := flag.Int("n", 21, "runs")
	flag.Parse()
	args := flag.Args()
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: startup [-n runs] -- command [args...]")
		os.Exit(2)
	}
	var walls, cpus []time.Duration
	for i := 0; i < *n; i++ {
		cmd := exec.Command(args[0], args[1:]...)
		t := time.Now()
		if err := cmd.Run(); err != nil {
			if _, ok := err.(*exec.ExitError); !ok {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
		}
		walls = append(walls, time.Since(t))
		ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
		cpus = append(cpus, time.Duration(ru.Utime.Nano()+ru.Stime.Nano()))
	}
	med := func(d []time.Duration) (time.Duration, time.Duration) {
		sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
		return d[len(d)/2], d[0]
	}
	wm, wmin := med(walls)
	cm, cmin := med(cpus)
	fmt.Printf("%v: %d runs, wall median %.1f ms (min %.1f), CPU median %.1f ms (min %.1f)\n", args, *n,
		ms(wm), ms(wmin), ms(cm), ms(cmin))
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
