/**
 * The seed's first script: creates the `SendEmail` task parent, so that tasks may be sent to it.
 * Creating a parent that exists already is fine; it changes nothing.
 *
 *   TUMNUS_MONGO_URI=mongodb://... npx tsx examples/create-task-parent.ts
 */
import Tumnus from 'tumnus';
import { requireMongoUri } from './mongo-uri.js';

const { taskParent, close } = new Tumnus(requireMongoUri());

async function main(): Promise<void> {
  try {
    await taskParent.create({ name: 'SendEmail' });
    console.log('Task parent created successfully.');
  } catch (error) {
    console.error('Failed to create task parent:', error);
    process.exitCode = 1;
  } finally {
    await close();
  }
}

await main();
