/**
 * A pseudo-terminal for command-line tests (Python's pty module): a program run there sees a
 * terminal, so it asks for passwords without echo, as it would for a person.
 */

/**
 * A Python program: `python3 -c AT_A_TERMINAL <program> <answers> <arguments...>` runs the
 * program at a pseudo-terminal and types the answers, one per password prompt (separated by
 * newlines), then prints what the terminal showed and exits with the program's status.
 */
export const AT_A_TERMINAL = `
import os, pty, sys
answers = sys.argv[2].split('\\n')
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1]] + sys.argv[3:])
seen = b''
while True:
    try:
        chunk = os.read(fd, 1024)
    except OSError:
        break
    if not chunk:
        break
    seen += chunk
    if seen.endswith(b'password: ') and answers:
        os.write(fd, answers.pop(0).encode() + b'\\r')
sys.stdout.write(seen.decode('utf-8', 'replace'))
sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
`;
