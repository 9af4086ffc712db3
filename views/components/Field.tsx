import { ids } from "../ids.ts";

/** A labelled input with its error, if any, announced beside it. */
export function Field(props: {
  name: string;
  label: string;
  type?: string;
  value?: string;
  error?: string;
  autocomplete?: string;
  required?: boolean;
  maxlength?: number;
}) {
  const id = ids.field(props.name);
  const errorId = ids.fieldError(id);
  return (
    <div class="field">
      <label for={id} safe>
        {props.label}
      </label>
      <input
        id={id}
        name={props.name}
        type={props.type ?? "text"}
        value={props.value}
        autocomplete={props.autocomplete}
        required={props.required ?? true}
        maxlength={props.maxlength}
        aria-invalid={props.error ? "true" : undefined}
        aria-describedby={props.error ? errorId : undefined}
      />
      {props.error ? (
        <p class="field-error" id={errorId} safe>
          {props.error}
        </p>
      ) : null}
    </div>
  );
}
