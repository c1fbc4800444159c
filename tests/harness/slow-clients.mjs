// slow-clients.mjs - hold many slow HTTP connections open (a "slowloris").
//
//   node tests/harness/slow-clients.mjs PORT COUNT [FROM-ADDRESS] [PATH]
//
// Opens COUNT connections to 127.0.0.1:PORT from FROM-ADDRESS (default
// 127.0.0.2, so that the test's own requests from 127.0.0.1 are told
// apart), sends the start of a request to PATH (default the unauthenticated
// upload path) and then one byte of a header every second, forever.  A
// connection the server closes is opened again.  Prints "open N" once a
// second (connections currently open) and exits on SIGTERM.
import net from 'node:net';

const port = Number(process.argv[2]);
const count = Number(process.argv[3] || 1500);
const from = process.argv[4] || '127.0.0.2';
const path = process.argv[5] || '/api/v2/profiles';
let open = 0;
const socks = new Set();

function one() {
	const s = net.connect({ host: '127.0.0.1', port, localAddress: from });
	let up = false;
	s.setNoDelay(true);
	s.on('connect', () => {
		up = true;
		open++;
		socks.add(s);
		s.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: `);
	});
	s.on('error', () => {});
	s.on('close', () => {
		if (up) open--;
		socks.delete(s);
		setTimeout(one, 200);
	});
}

for (let i = 0; i < count; i++) one();
setInterval(() => {
	for (const s of socks) s.write('a');
}, 1000);
setInterval(() => console.log(`open ${open}`), 1000);
process.on('SIGTERM', () => process.exit(0));
