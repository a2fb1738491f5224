/** Nest injection token of the process's Kernel. */
export const KERNEL = Symbol('tero.kernel');
