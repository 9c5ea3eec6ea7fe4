/**
 * Every string the dashboard shows, in one place: a translation is a copy of this file.
 */
export const strings = {
  appName: 'Tireless',
  loading: 'Loading…',
  skipToContent: 'Skip to content',
  nav: {
    label: 'Main',
    monitors: 'Monitors',
    signedInAs: (email: string) => `Signed in as ${email}`,
    logOut: 'Log out',
  },
  fields: {
    email: 'Email',
    password: 'Password',
    newPassword: 'Password (12 characters or more)',
    setupCode: 'Setup code',
  },
  setup: {
    title: 'Set up Tireless',
    intro: 'No one owns this server yet. Create the owner account.',
    codeHint:
      'This server can be reached from other machines, so setup asks for the one-time code it printed when it started, beside the setup address (in its terminal or log; each start prints a new one).',
    submit: 'Create owner account',
    done: 'The owner account is ready. Log in with it.',
  },
  login: {
    title: 'Log in',
    submit: 'Log in',
  },
  monitors: {
    title: 'Monitors',
    add: 'New monitor',
    empty: 'No monitors yet.',
    caption: 'Your monitors and their latest check',
    live: 'Live',
    reconnecting: 'Reconnecting…',
    columns: {
      name: 'Name',
      type: 'Type',
      target: 'Target',
      state: 'State',
      latency: 'Last latency',
    },
    noLatency: '—',
    latency: (ms: number) => `${ms} ms`,
  },
  states: {
    up: 'Up',
    down: 'Down',
    pending: 'Pending',
    paused: 'Paused',
    maintenance: 'Maintenance',
  },
  newMonitor: {
    title: 'New HTTP monitor',
    name: 'Name',
    url: 'URL',
    urlHint: 'http:// or https:// address to request',
    interval: 'Check every (seconds)',
    submit: 'Create monitor',
    cancel: 'Cancel',
  },
  errors: {
    title: 'Not done',
    network: 'The server could not be reached. Try again.',
    field: (problem: string) => `This field ${problem}.`,
    other: (field: string, problem: string) => `${field} ${problem}.`,
  },
} as const;
