// Request bodies are contracts shared with the web client (one source for both ends).
export {
  emailSchema,
  signInSchema,
  signUpSchema,
  type SignInInput,
  type SignUpInput,
} from '@ticketaka/contracts';
