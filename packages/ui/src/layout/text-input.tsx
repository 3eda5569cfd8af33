import type { InputHTMLAttributes } from "react";

/**
 * An `<input>` holding text, `value`, that calls `onChange` with the text typed rather than the
 * event; every other attribute is the input's.
 */
export function TextInput({
  onChange,
  ...attributes
}: Omit<InputHTMLAttributes<HTMLInputElement>, "value" | "onChange"> & { value: string; onChange(text: string): void }) {
  return <input {...attributes} onChange={(event) => onChange(event.target.value)} />;
}
