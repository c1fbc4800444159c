// sqs-server.mjs - local-aws-sqs on 127.0.0.1 for the tests.
//
//   node sqs-server.mjs PORT [QUEUE[:VISIBILITY]]...
//
// Creates each named queue at start (VisibilityTimeout defaults to 30 s).
// Queue URLs are http://127.0.0.1:PORT/123456789012/NAME; the server finds a
// queue by the name in the URL path, so clients may use the proxy's port.
import { createSqsServer } from 'local-aws-sqs';

const [port, ...names] = process.argv.slice(2);
if (!port) {
	console.error('usage: sqs-server.mjs PORT [QUEUE[:VISIBILITY]]...');
	process.exit(2);
}
const queues = names.map((n) => {
	const [QueueName, vis] = n.split(':');
	return { QueueName, Attributes: { VisibilityTimeout: vis || '30' } };
});
await createSqsServer({
	port: +port, hostname: '127.0.0.1', emulateQueueCreationLifecycle: false, queues,
});
process.on('SIGTERM', () => process.exit(0));
