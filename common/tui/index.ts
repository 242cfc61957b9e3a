/**
 * The terminal kit shared by the host and vDC consoles.
 *
 * A console built on it looks like this:
 *
 *   const app = createScreen({ title: 'Quantix vDC', stderrLog: logPath });
 *   const flash = new FlashModel();
 *   const keys = createKeyDispatcher({
 *     bindings: () => (dialog ? dialogBindings(dialog, closeDialog) : currentScreen.bindings()),
 *     onError: (err) => flash.error(err),           // every rejected key handler lands here
 *     onDisabled: (_b, why) => flash.show('warn', why),
 *     confirm: (b, run) => openDialog(confirmDialog({ title: `${b.label}?`, message: b.help ?? '', confirmLabel: b.label, onConfirm: run, dangerous: true })),
 *   });
 *   app.onKey((ch, key) => keys.handleKey(ch, key));
 *   const draw = () => {
 *     const { cols, rows } = app.size();
 *     let lines = composeFrame(cols, rows, app.glyphs, [
 *       { title: [seg('Quantix vDC', 'title')], right: [seg(clock)], lines: renderBody(state, now, app.glyphs) },
 *       { lines: [statusLine(flash.current(now))], height: 1 },
 *       { lines: [renderFooter(bindings, cols - 2, app.glyphs)], height: 1 },
 *     ]);
 *     if (dialog) lines = overlayDialog(lines, dialog, cols, rows, app.glyphs);
 *     app.paint(lines);                            // writes only the changed cells
 *   };
 *   app.onResize(draw);
 *
 * Render functions build `Line`s (segments with semantic styles) from plain
 * data and a clock value, and are unit-tested without blessed. Every string
 * that came from the network goes through `plain()` (for segments) or
 * `sanitizeForTerminal()` (for blessed content with tags) before display.
 */
export * from './caps.js';
export * from './glyphs.js';
export * from './sanitize.js';
export * from './text.js';
export * from './input.js';
export * from './keymap.js';
export * from './keys.js';
export * from './flash.js';
export * from './dialog.js';
export * from './screen.js';
export * from './economy.js';
