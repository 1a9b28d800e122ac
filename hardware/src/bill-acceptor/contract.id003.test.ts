import { describe } from 'vitest'
import { acceptorContract } from './contract.ts'

describe('id003 acceptor contract', () => acceptorContract('id003'))
