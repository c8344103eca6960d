package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
)

// command is one subcommand of gorn.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

// env is where a command writes. Tests run commands in-process with buffers.
type env struct {
	stdout io.Writer
	stderr io.Writer
}

var commands = []command{
	{"classify", "print the top classes of images", runClassify},
	{"run", "run a model on a raw float32 tensor, write a raw output (logits or features)", runRun},
	{"bench", "measure inference speed", runBench},
	{"info", "describe a model file", runInfo},
	{"quantize", "write an int8 QDQ model calibrated on a directory of images", runQuantize},
	{"version", "print the module and Go versions, kernels level and CPU", runVersion},
}

const mainUsage = `gorn runs ResNet-family image classifiers on the CPU.

Usage:

	gorn <command> [flags] [arguments]

Commands:
%s
Run 'gorn <command> -h' for a command's flags. Exit status: 0 on success,
1 on an error (one line on stderr), 2 on a usage error.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// errUsage marks errors in the command line (exit status 2).
var errUsage = errors.New("usage")

// usageErrorf returns an error that is reported with exit status 2.
func usageErrorf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errUsage}, args...)...)
}

// run executes the command line args (without the program name) and
// returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	e := &env{stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		fmt.Fprintln(stderr, "gorn: no command (run 'gorn -h' for help)")
		return 2
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help", "help":
		fmt.Fprintf(stdout, mainUsage, commandList())
		return 0
	}
	for _, c := range commands {
		if c.name != name {
			continue
		}
		err := c.run(ctx, e, args[1:])
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			msg := strings.TrimPrefix(err.Error(), errUsage.Error()+": ")
			fmt.Fprintf(stderr, "gorn %s: %s (run 'gorn %s -h' for help)\n", name, oneLine(msg), name)
			return 2
		}
		fmt.Fprintf(stderr, "gorn %s: %s\n", name, oneLine(err.Error()))
		return 1
	}
	fmt.Fprintf(stderr, "gorn: unknown command %q (run 'gorn -h' for help)\n", name)
	return 2
}

func commandList() string {
	var b strings.Builder
	for _, c := range commands {
		fmt.Fprintf(&b, "\t%-9s %s\n", c.name, c.summary)
	}
	return b.String()
}

// oneLine keeps an error message on one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// flagSet is a command's flags and its help text.
type flagSet struct {
	*flag.FlagSet
	e     *env
	usage string
	args  []string // the arguments that are not flags, in order
}

// newFlags returns a flag set for a command whose help text is usage.
func newFlags(e *env, name, usage string) *flagSet {
	fs := flag.NewFlagSet("gorn "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {} // parse prints help for -h only
	return &flagSet{FlagSet: fs, e: e, usage: usage}
}

// parse parses args. Flags may come before or after the other arguments
// (gorn classify IMG -topk 3); "--" ends the flags. For -h it prints the
// help text and the flags to stdout and returns flag.ErrHelp; anything the
// flag package rejects comes back as a usage error.
func (fs *flagSet) parse(args []string) error {
	for {
		err := fs.Parse(args)
		switch {
		case errors.Is(err, flag.ErrHelp):
			fmt.Fprint(fs.e.stdout, strings.TrimLeft(fs.usage, "\n"))
			fmt.Fprintln(fs.e.stdout, "\nFlags:")
			fs.SetOutput(fs.e.stdout)
			fs.PrintDefaults()
			fs.SetOutput(io.Discard)
			return err
		case err != nil:
			return usageErrorf("%v", err)
		}
		rest := fs.FlagSet.Args()
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			fs.args = append(fs.args, rest...)
			return nil
		}
		if len(rest) == 0 {
			return nil
		}
		fs.args = append(fs.args, rest[0])
		args = rest[1:]
	}
}

// Args returns the arguments that are not flags.
func (fs *flagSet) Args() []string { return fs.args }

// NArg is len(Args()).
func (fs *flagSet) NArg() int { return len(fs.args) }

// Arg returns the i-th argument that is not a flag, or "".
func (fs *flagSet) Arg(i int) string {
	if i < 0 || i >= len(fs.args) {
		return ""
	}
	return fs.args[i]
}
