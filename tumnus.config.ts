// Configuration of `tumnus-runtime start` in this repository. Precedence: command-line flags >
// this file > environment (TUMNUS_MONGO_URI, TUMNUS_SMTP_URL, ...) > defaults. Settings left out
// here stay open to the environment, so this file only names what the repository decides.
import { defineConfig } from 'tumnus/runtime';

export default defineConfig({
  handlersDir: 'handlers',
  // With no mongoUri here or in TUMNUS_MONGO_URI, the runtime starts an embedded database with
  // its files under this folder.
  dataDir: '.tumnus',
});
