/**
 * One-line text prompts shown as a dialog over the screen (the name of a
 * new cluster): what each asks, its key table and its box.
 */
import type { Dialog } from '../../../common/tui/dialog.js';
import type { KeyBinding } from '../../../common/tui/keys.js';
import { seg, type Line } from '../../../common/tui/text.js';
import type { PromptState } from '../state.js';
import { checkNewClusterName } from '../wizard.js';
import { ctrlCKey, type ScreenContext } from './context.js';

/** What a prompt asks: its title, its field, the rule shown under it and the check of a value. */
interface PromptSpec {
  title: string;
  label: string;
  hint: string;
  /** What Enter does. */
  action: string;
  /** The value's problem in words, or null when it can be submitted. */
  problem(ctx: ScreenContext, value: string): string | null;
  submit(ctx: ScreenContext, value: string): Promise<void>;
}

const PROMPTS: Record<PromptState['kind'], PromptSpec> = {
  createCluster: {
    title: 'Create cluster',
    label: 'Name',
    hint: 'letters, digits, "-", "_" and "." (1-63)',
    action: 'Create',
    problem: (ctx, v) => checkNewClusterName(v, ctx.model.clusters),
    submit: (ctx, v) => ctx.ops.createCluster(v.trim()),
  },
  bulkFile: {
    title: 'Add hosts from a file',
    label: 'File',
    hint: 'CSV (address,token,cluster) or JSON lines; yours, mode 0600',
    action: 'Load',
    problem: (_ctx, v) => (v.trim() === '' ? 'Type the path of the host list.' : null),
    submit: (ctx, v) => {
      ctx.bulk.load(v);
      return Promise.resolve();
    },
  },
};

/** A prompt's keys; other printable keys type into its field. */
export function promptKeys(ctx: ScreenContext, p: PromptState): KeyBinding[] {
  const spec = PROMPTS[p.kind];
  return [
    {
      keys: ['enter'],
      label: spec.action,
      handler: async () => {
        if (spec.problem(ctx, p.value)) {
          ctx.dispatch({ type: 'promptRefused' });
          return;
        }
        ctx.dispatch({ type: 'closePrompt' });
        await spec.submit(ctx, p.value);
      },
    },
    { keys: ['escape'], label: 'Cancel', handler: () => ctx.dispatch({ type: 'closePrompt' }) },
    { keys: ['backspace'], label: 'Erase', visible: false, handler: () => ctx.dispatch({ type: 'promptErase' }) },
    ctrlCKey(ctx),
  ];
}

/** Text shown in a one-field prompt dialog. */
export function promptLines(label: string, value: string, hint: string, problem: string | null): Line[] {
  return [
    [seg(`${label} `), seg(`${value}_`.padEnd(30), 'selected')],
    [],
    [seg(problem ?? hint, problem ? 'error' : 'dim')],
  ];
}

/** The prompt as a dialog box (its keys are promptKeys; the choices only name them). */
export function promptDialog(ctx: ScreenContext, p: PromptState): Dialog {
  const spec = PROMPTS[p.kind];
  const problem = p.showProblem ? spec.problem(ctx, p.value) : null;
  return {
    title: spec.title,
    lines: promptLines(spec.label, p.value, spec.hint, problem),
    choices: [
      { keys: ['enter'], label: spec.action, action: () => {} },
      { keys: ['escape'], label: 'Cancel', action: () => {} },
    ],
  };
}
