/** Product name in the console's titles and messages. */
export const PRODUCT = 'Quantix vDC';
