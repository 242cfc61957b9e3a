/**
 * One-line text prompts shown as a dialog over the screen (the name of a
 * new cluster, a cluster's new name): what each asks, its key table and its box.
 */
import type { Dialog } from '../../../common/tui/dialog.js';
import type { KeyBinding } from '../../../common/tui/keys.js';
import { seg, type Line } from '../../../common/tui/text.js';
import type { PromptState } from '../state.js';
import { CLUSTER_NAME_PATTERN } from '../../../common/protocol/vdc-api.js';
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
  problem(ctx: ScreenContext, p: PromptState): string | null;
  submit(ctx: ScreenContext, p: PromptState): Promise<void>;
}

/** The problem of a cluster's new name, or null: another cluster's name (in any case) is taken. */
export function checkRenameClusterName(
  name: string,
  clusters: readonly { id: string; name: string }[],
  targetId: string,
): string | null {
  const n = name.trim();
  if (n === '') return 'type the new name';
  if (!CLUSTER_NAME_PATTERN.test(n)) return 'letters, digits, "-", "_" and "." only (1-63)';
  if (clusters.some((c) => c.id !== targetId && c.name.toLowerCase() === n.toLowerCase()))
    return 'another cluster has this name';
  return null;
}

const PROMPTS: Record<PromptState['kind'], PromptSpec> = {
  createCluster: {
    title: 'Create cluster',
    label: 'Name',
    hint: 'letters, digits, "-", "_" and "." (1-63)',
    action: 'Create',
    problem: (ctx, p) => checkNewClusterName(p.value, ctx.model.clusters),
    submit: (ctx, p) => ctx.ops.createCluster(p.value.trim()),
  },
  renameCluster: {
    title: 'Rename cluster',
    label: 'New name',
    hint: 'its hosts are told the new name',
    action: 'Rename',
    problem: (ctx, p) => checkRenameClusterName(p.value, ctx.model.clusters, p.targetId ?? ''),
    submit: (ctx, p) => ctx.ops.renameCluster(p.targetId ?? '', p.value.trim()),
  },
  bulkFile: {
    title: 'Add hosts from a file',
    label: 'File',
    hint: 'CSV (address,token,cluster) or JSON lines; yours, mode 0600',
    action: 'Load',
    problem: (_ctx, p) => (p.value.trim() === '' ? 'Type the path of the host list.' : null),
    submit: (ctx, p) => {
      ctx.bulk.load(p.value);
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
        if (spec.problem(ctx, p)) {
          ctx.dispatch({ type: 'promptRefused' });
          return;
        }
        ctx.dispatch({ type: 'closePrompt' });
        await spec.submit(ctx, p);
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
  const problem = p.showProblem ? spec.problem(ctx, p) : null;
  return {
    title: spec.title,
    lines: promptLines(spec.label, p.value, spec.hint, problem),
    choices: [
      { keys: ['enter'], label: spec.action, action: () => {} },
      { keys: ['escape'], label: 'Cancel', action: () => {} },
    ],
  };
}
