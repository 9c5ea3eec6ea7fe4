/** What the bench shares with the browser tests: the same Chromium, launched the same way. */
export { ConsoleErrors, launchChromium, submitLogIn } from './browser.js';
