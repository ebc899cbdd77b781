/**
 * One problem in an input and where it was found: the one `{offset, message}` shape of warnings
 * and errors in capture info, input summaries and reports (`inputs[].warnings`, `inputs[].error`).
 */
export interface InputProblem {
  /** Byte offset in the file where the problem was found (-1 when not file-based). */
  offset: number;
  message: string;
}
